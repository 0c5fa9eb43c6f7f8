# PGXS build of the vectorext module, plus the developer entry points:
#   make / make install    build and install the extension (PGXS)
#   make run               install prerequisites, build, install, start a throwaway cluster, run the demo
#   make test              install prerequisites, then every test layer (unit, pg_regress, TAP)
#   make bench             benchmarks beside pgvector when installed (not tests; docs/benchmarks.md)
#   make bench-scale       opt-in, long: CREATE INDEX at 1M x 768 beside pgvector
EXTENSION  = vectorext
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(dir $(lastword $(MAKEFILE_LIST)))vectorext.control)

# Files named faiss_* link Faiss/OpenBLAS/OpenMP and are built into a separately loaded module, so the query path
# of every backend never loads them (DESIGN.md §3.6).
CORE_SRCS = $(filter-out src/core/faiss_%,$(wildcard src/core/*.cpp))
PG_SRCS   = $(filter-out src/pg/faiss_%,$(wildcard src/pg/*.cpp))

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
FAISS_SRCS  = $(wildcard src/core/faiss_*.cpp src/pg/faiss_*.cpp)
FAISS_OBJS  = $(FAISS_SRCS:.cpp=.o)
FAISS_SHLIB = vectorext_faiss$(DLSUFFIX)
FAISS_LIBS ?= -l:libfaiss.a -lopenblas -lgomp
EXTRA_CLEAN += $(FAISS_SHLIB) $(FAISS_OBJS) $(FAISS_OBJS:.o=.d)
-include $(FAISS_OBJS:.o=.d)

all: $(FAISS_SHLIB)
$(FAISS_SHLIB): $(FAISS_OBJS) src/core/faiss_exports.map
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -shared -o $@ $(FAISS_OBJS) -Wl,--version-script=$(CURDIR)/src/core/faiss_exports.map \
	  -Wl,-z,defs $(FAISS_LIBS) -lstdc++ -lm

install: install-faiss
.PHONY: install-faiss uninstall-faiss
install-faiss: $(FAISS_SHLIB) installdirs
	$(INSTALL_SHLIB) $(FAISS_SHLIB) '$(DESTDIR)$(pkglibdir)/$(FAISS_SHLIB)'
uninstall: uninstall-faiss
uninstall-faiss:
	rm -f '$(DESTDIR)$(pkglibdir)/$(FAISS_SHLIB)'

sql/$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard sql/parts/*.sql))
	cat $^ > $@

.PHONY: deps run stop test unit regress tap bench bench-scale
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
tap:
	bash scripts/test.sh tap
bench: deps
	bash bench/run.sh
	bash bench/kernels.sh
bench-scale: deps
	bash bench/run_scale.sh
