"""CREATE EXTENSION IF NOT EXISTS vector, the way Django apps using pgvector do it (a CreateExtension operation)."""
from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class VectorExtension(CreateExtension):
    def __init__(self):
        self.name = 'vector'


class Migration(migrations.Migration):
    initial = True
    operations = [VectorExtension()]
