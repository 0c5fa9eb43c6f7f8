# PGXS build of the vectorext module, plus the developer entry points:
#   make / make install    build and install the extension (PGXS)
#   make run               install prerequisites, build, install, start a throwaway cluster, run the demo
#   make test              install prerequisites, then every test layer (unit, pg_regress, TAP, install, clients, python)
#   make bench             benchmarks beside pgvector when installed (not tests; docs/benchmarks.md); make bench-tune: only
#                          the tuning curves; make bench-scale (opt-in, long): CREATE INDEX at 1M x 768 beside pgvector;
#                          make bench-scaleout: a coordinator and two shards against one node (docs/scale-out.md)
EXTENSION  = vectorext
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(dir $(lastword $(MAKEFILE_LIST)))vectorext.control)

# Sources by layer and subsystem (docs/architecture.md, "Layers"): src/core/** is pure C++, src/pg/** the Postgres glue.
# src/faiss links Faiss/OpenBLAS/OpenMP and is built into a separately loaded module, so the query path of every
# backend never loads it.
CORE_SRCS = $(wildcard src/core/*.cpp src/core/*/*.cpp)
PG_SRCS   = $(wildcard src/pg/*.cpp src/pg/*/*.cpp)

MODULE_big = vectorext
OBJS       = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA       = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))
REGRESS    = $(sort $(notdir $(basename $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql)))))
REGRESS_OPTS = --load-extension=$(EXTENSION)
EXTRA_CLEAN = $(OBJS:.o=.d) build

# PGXS would emit LLVM bitcode for .cpp with clang and without our flags; we do not JIT-inline C++.
override with_llvm = no
PG_CPPFLAGS = -I$(CURDIR)/src
PG_CXXFLAGS = -std=c++17 -fvisibility=hidden -fvisibility-inlines-hidden -MMD -MP -Wno-missing-field-initializers -Wno-register
SHLIB_LINK  = -lstdc++ -lm -Wl,--version-script=$(CURDIR)/src/pg/exports.map

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

$(shlib): src/pg/exports.map

# vectorext_faiss.so: the training module (Faiss k-means), loaded by vectorext.so only while an IVF index is built.
# Debian ships Faiss as a static PIC archive; it needs BLAS/LAPACK (OpenBLAS) and OpenMP (libgomp).
FAISS_SRCS  = $(wildcard src/faiss/*.cpp)
FAISS_OBJS  = $(FAISS_SRCS:.cpp=.o)
FAISS_SHLIB = vectorext_faiss$(DLSUFFIX)
FAISS_LIBS ?= -l:libfaiss.a -lopenblas -lgomp
EXTRA_CLEAN += $(FAISS_SHLIB) $(FAISS_OBJS) $(FAISS_OBJS:.o=.d)
-include $(FAISS_OBJS:.o=.d)

all: $(FAISS_SHLIB)
$(FAISS_SHLIB): $(FAISS_OBJS) src/faiss/faiss_exports.map
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -shared -o $@ $(FAISS_OBJS) -Wl,--version-script=$(CURDIR)/src/faiss/faiss_exports.map \
	  -Wl,-z,defs $(FAISS_LIBS) -lstdc++ -lm

install: install-faiss
.PHONY: install-faiss uninstall-faiss
install-faiss: $(FAISS_SHLIB) installdirs
	$(INSTALL_SHLIB) $(FAISS_SHLIB) '$(DESTDIR)$(pkglibdir)/$(FAISS_SHLIB)'
uninstall: uninstall-faiss
uninstall-faiss:
	rm -f '$(DESTDIR)$(pkglibdir)/$(FAISS_SHLIB)'

# The extension script is made from the parts once per name it installs under; the header (00_header.sql) names the
# extension being created and the one it cannot share a database with.
SQL_PARTS = $(sort $(wildcard sql/parts/*.sql))
render_script = sed -e 's/@EXTENSION@/$(1)/g' -e 's/@OTHER_EXTENSION@/$(2)/g' $(SQL_PARTS) > $@
sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	$(call render_script,$(EXTENSION),vector)

# PGVECTOR_NAME=1 (make / make install / make uninstall): vectorext is also installed under pgvector's extension name,
# `vector` (own control file and scripts, same module), so `CREATE EXTENSION IF NOT EXISTS vector`, which ORMs and
# pgvector's client libraries run, creates vectorext where it replaces pgvector (docs/clients.md). Its versions are
# named vectorext-X.Y.Z, apart from pgvector's X.Y.Z: neither's ALTER EXTENSION vector UPDATE can run the other's
# scripts, and extversion tells which implementation a database has. Update scripts are vectorext's, renamed. It never
# overwrites a vector.control that is not ours (pgvector's).
PGVECTOR_DIR      = build/pgvector-name
PGVECTOR_VERSION  = vectorext-$(EXTVERSION)
PGVECTOR_SCRIPT   = $(PGVECTOR_DIR)/vector--$(PGVECTOR_VERSION).sql
PGVECTOR_CONTROL  = $(DESTDIR)$(datadir)/extension/vector.control
UPDATE_SCRIPTS    = $(wildcard sql/$(EXTENSION)--*--*.sql)
# A vector.control is ours when it loads our module.
is_ours = grep -qxF "module_pathname = '\$$libdir/$(EXTENSION)'" '$(PGVECTOR_CONTROL)'

$(PGVECTOR_SCRIPT): $(SQL_PARTS)
	@mkdir -p $(@D)
	$(call render_script,vector,$(EXTENSION))
$(PGVECTOR_DIR)/vector.control: $(EXTENSION).control
	@mkdir -p $(@D)
	{ echo "# vectorext installed under pgvector's extension name (make install PGVECTOR_NAME=1; docs/clients.md)"; \
	  sed -e "s/^default_version = .*/default_version = '$(PGVECTOR_VERSION)'/" $<; } > $@
$(PGVECTOR_DIR)/updates.stamp: $(UPDATE_SCRIPTS)
	@mkdir -p $(@D) && rm -f $(@D)/vector--*--*.sql
	@for f in $(UPDATE_SCRIPTS); do v=$${f#sql/$(EXTENSION)--}; v=$${v%.sql}; \
	  cp $$f $(@D)/vector--vectorext-$${v%%--*}--vectorext-$${v#*--}.sql; done
	@touch $@

.PHONY: pgvector-name check-pgvector-name install-pgvector-name uninstall-pgvector-name
pgvector-name: $(PGVECTOR_SCRIPT) $(PGVECTOR_DIR)/vector.control $(PGVECTOR_DIR)/updates.stamp
check-pgvector-name:
ifeq ($(PGVECTOR_NAME),1)
	@if [ -e '$(PGVECTOR_CONTROL)' ] && ! $(is_ours); then \
	  echo "error: $(PGVECTOR_CONTROL) belongs to another extension (pgvector?): vectorext will not overwrite it." >&2; \
	  echo "Uninstall pgvector first (its vector.control, vector--*.sql and vector.so), or install vectorext under its own name only (make install)." >&2; \
	  exit 1; fi
else
	@if [ -e '$(PGVECTOR_CONTROL)' ] && $(is_ours); then \
	  echo "note: vectorext is also installed as extension \"vector\" (an earlier PGVECTOR_NAME=1 install), left as it was: run make install PGVECTOR_NAME=1 to update it with this version, make uninstall PGVECTOR_NAME=1 to remove it." >&2; fi
endif
install-pgvector-name: check-pgvector-name pgvector-name installdirs
	$(INSTALL_DATA) $(PGVECTOR_DIR)/vector.control $(PGVECTOR_DIR)/vector--*.sql '$(DESTDIR)$(datadir)/extension/'
uninstall-pgvector-name:
	@if [ -e '$(PGVECTOR_CONTROL)' ] && $(is_ours); then \
	  rm -f '$(PGVECTOR_CONTROL)' '$(DESTDIR)$(datadir)/extension'/vector--vectorext-*.sql; fi
# Every install step creates its directories first: checking there refuses before anything is installed.
installdirs installdirs-lib: check-pgvector-name
ifeq ($(PGVECTOR_NAME),1)
all: pgvector-name
install: install-pgvector-name
uninstall: uninstall-pgvector-name
endif

.PHONY: deps run stop test unit regress tap clients python bench bench-tune bench-scale bench-scaleout
deps:
	bash scripts/deps.sh
run: deps
	bash scripts/run.sh start
stop:
	bash scripts/run.sh stop
test: deps
	bash scripts/test.sh all
unit:
	bash scripts/test.sh unit
regress:
	bash scripts/test.sh regress
clients:
	bash scripts/test.sh clients
tap:
	bash scripts/test.sh tap
python:
	bash scripts/test.sh python
bench: deps
	bash bench/run.sh
	bash bench/kernels.sh
	bash bench/tune_curve.sh
# vectorext.tune on Fashion-MNIST: recall curves with the tuned point, as PNG (bench/tune_curve.sh)
bench-tune: deps
	bash bench/tune_curve.sh
bench-scaleout: deps
	bash bench/scaleout.sh
bench-scale: deps
	bash bench/run_scale.sh
