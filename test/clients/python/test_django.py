"""Django 3.2 (Debian's python3-django, psycopg2 backend) with the fields, indexes and distance expressions of the
vxdjango app: the extension created by a migration (CreateExtension 'vector'), tables and hnsw indexes from the
models' Meta (schema editor), ivfflat indexes added with a lists option, rows through the ORM, ordered queries with
annotate(distance).order_by (cases: vxclient.TypeCases)."""
import django
from django.conf import settings

import vxclient
from vxclient import SETTINGS, make_cases

p = vxclient.dsn_params()
settings.configure(
    INSTALLED_APPS=['vxdjango'],
    DATABASES={'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': p['dbname'], 'USER': p['user'],
                           'HOST': p['host'], 'PORT': p['port'],
                           'OPTIONS': {'options': ' '.join(f'-c {s.replace(" ", "")}' for s in SETTINGS)}}},
    USE_TZ=True, DEFAULT_AUTO_FIELD='django.db.models.AutoField')
django.setup()

from django.core.management import call_command  # noqa: E402 (after setup)
from django.db import connection  # noqa: E402

from vxdjango.models import MODELS, DISTANCES, IvfflatIndex  # noqa: E402


class Django:
    migrated = False

    @classmethod
    def setUpClass(cls):
        if not Django.migrated:
            call_command('migrate', 'vxdjango', verbosity=0)
            Django.migrated = True

    @property
    def model(self):
        return MODELS[self.type.name]

    @property
    def table(self):
        return self.model._meta.db_table

    def create_table(self, table):
        with connection.schema_editor() as editor:
            editor.create_model(self.model)   # with the hnsw indexes of its Meta

    def create_index(self, table, name, method, opclass, lists):
        if method == 'ivfflat':
            with connection.schema_editor() as editor:
                editor.add_index(self.model, IvfflatIndex(name=name, fields=['v'], opclasses=[opclass], lists=lists))

    def insert(self, table, rows):
        self.model.objects.bulk_create([self.model(id=i, v=v) for i, v in rows[:30]])
        for i, v in rows[30:]:
            self.model.objects.create(id=i, v=v)

    def read(self, table):
        return list(self.model.objects.order_by('id').values_list('id', 'v'))

    def nearest(self, table, op, q):
        distance = DISTANCES[op.name]('v', q, self.model._meta.get_field('v'))
        return list(self.model.objects.annotate(d=distance).order_by('d').values_list('id', 'd')[:5])

    def explain(self, sql):
        with connection.cursor() as cur:
            cur.execute(sql)
            return '\n'.join(r[0] for r in cur.fetchall()) if cur.description else ''


make_cases(globals(), Django, 'django')
