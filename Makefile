# ecflink - plain GNU make; honours CC CPPFLAGS CFLAGS LDFLAGS DESTDIR PREFIX.
#
#   make            unsanitized daemon/ecflinkd (and its helper daemon/ecflink-mta),
#                   pam_module/pam_ecflink.so, cli/ecflinkctl,
#                   web/ecflink-web
#   make check      -Werror + ASan/UBSan copies under build/check, then every test
#   make check-long load and soak runs of minutes (tests/long_*.sh, ECF_LONG=1)
#   make demo       a private slapd + ecflinkd walk-through
#   make deps       install the Debian packages the build, tests and demo need
#   make install    DESTDIR=... PREFIX=/usr

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
MULTIARCH ?= $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || $(CC) -print-multiarch)
PAMDIR ?= /lib/$(MULTIARCH)/security
SCHEMADIR ?= $(SYSCONFDIR)/ldap/schema
UNITDIR ?= /lib/systemd/system
DATADIR ?= $(PREFIX)/share
DOCDIR ?= $(DATADIR)/doc

CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
VERSION := $(shell sed -n '1{s/^[^ ]* .//;s/. .*//;p}' debian/changelog 2>/dev/null)
VERSION := $(or $(VERSION),0.1.0)

WARN = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes
BASE_CPPFLAGS = -Icommon -DECFLINK_VERSION='"$(VERSION)"'

# O: object directory.  BINOUT: where the three binaries go (empty: in the
# tree, as plain `make` leaves them).  SAN=1: the test build.
O ?= build/obj
BINOUT ?=
ifeq ($(SAN),1)
APP_SAN = -Werror -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
MOD_SAN = -Werror -fsanitize=undefined -fno-sanitize-recover=undefined
endif

APP_CFLAGS = $(WARN) $(CFLAGS) $(APP_SAN) \
	$(shell $(PKG_CONFIG) --cflags ldap libconfig libsystemd libcrypt nettle libcurl gnutls \
		2>/dev/null)
MOD_CFLAGS = $(WARN) $(CFLAGS) $(MOD_SAN) -fPIC -fvisibility=hidden
DAEMON_LIBS = $(shell $(PKG_CONFIG) --libs ldap libconfig libsystemd libcrypt nettle libcurl \
	gnutls 2>/dev/null) -lpthread
PAM_LIBS = $(shell $(PKG_CONFIG) --libs pam 2>/dev/null || echo -lpam)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

COMMON_SRC = $(wildcard common/*.c)
DAEMON_SRC = $(filter-out daemon/main.c daemon/mta_helper.c,$(wildcard daemon/*.c))
PAM_SRC = $(wildcard pam_module/*.c)
CLI_SRC = $(wildcard cli/*.c)
WEB_SRC = $(wildcard web/*.c)
UNIT_SRC = $(wildcard tests/test_*.c)
TOOL_SRC = $(filter-out tests/tools/benchutil.c,$(wildcard tests/tools/*.c))

APP_COMMON_OBJ = $(COMMON_SRC:%.c=$(O)/app/%.o)
# The PAM module links only libc and libpam: not auditline.c (nettle).
PIC_COMMON_OBJ = $(filter-out %/auditline.o,$(COMMON_SRC:%.c=$(O)/pic/%.o))
DAEMON_OBJ = $(DAEMON_SRC:%.c=$(O)/app/%.o)
PAM_OBJ = $(PAM_SRC:%.c=$(O)/pic/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(O)/app/%.o)
WEB_OBJ = $(WEB_SRC:%.c=$(O)/web/%.o)

ECFLINKD = $(if $(BINOUT),$(BINOUT)/ecflinkd,daemon/ecflinkd)
MTA_HELPER = $(if $(BINOUT),$(BINOUT)/ecflink-mta,daemon/ecflink-mta)
ECFLINKCTL = $(if $(BINOUT),$(BINOUT)/ecflinkctl,cli/ecflinkctl)
PAM_SO = $(if $(BINOUT),$(BINOUT)/pam_ecflink.so,pam_module/pam_ecflink.so)
ECFLINK_WEB = $(if $(BINOUT),$(BINOUT)/ecflink-web,web/ecflink-web)
UNIT_BIN = $(UNIT_SRC:tests/%.c=$(O)/tests/%)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(O)/tools/%)

.PHONY: all tests check check-build check-long check-deb deb deps demo bench install clean format
.DELETE_ON_ERROR:

all: $(ECFLINKD) $(MTA_HELPER) $(ECFLINKCTL) $(PAM_SO) $(ECFLINK_WEB)

$(O)/app/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(APP_CFLAGS) -MMD -MP -c -o $@ $<

WEB_CFLAGS = $(WARN) $(CFLAGS) $(APP_SAN) \
	$(shell $(PKG_CONFIG) --cflags libmicrohttpd libconfig 2>/dev/null)
WEB_LIBS = $(shell $(PKG_CONFIG) --libs libmicrohttpd libconfig 2>/dev/null) -lpthread

$(O)/web/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(WEB_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/libweb.a: $(filter-out $(O)/web/web/main.o,$(WEB_OBJ))
	rm -f $@ && $(AR) rcs $@ $^

$(ECFLINK_WEB): $(WEB_OBJ) $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(WEB_CFLAGS) $(LDFLAGS) -o $@ $^ $(WEB_LIBS)

$(O)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(MOD_CFLAGS) -MMD -MP -c -o $@ $<

# Convenience archives (as pam_u2f's libmodule): the binaries and the unit
# tests link the same objects.
$(O)/libcommon.a: $(APP_COMMON_OBJ)
	rm -f $@ && $(AR) rcs $@ $^
$(O)/libdaemon.a: $(DAEMON_OBJ)
	rm -f $@ && $(AR) rcs $@ $^
$(O)/libpammod.a: $(PAM_OBJ) $(PIC_COMMON_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(ECFLINKD): $(O)/app/daemon/main.o $(O)/libdaemon.a $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

# ecflinkd's helper for mail.sendmail (daemon/mta.h): libc alone, so that
# starting one per message costs little.
$(O)/app/daemon/mta.o: CPPFLAGS += -DECFLINK_MTA_HELPER='"$(LIBEXECDIR)/ecflink/ecflink-mta"'
$(MTA_HELPER): $(O)/app/daemon/mta_helper.o
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(APP_SAN) $(LDFLAGS) -o $@ $^

$(ECFLINKCTL): $(CLI_OBJ) $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs nettle 2>/dev/null)

$(PAM_SO): $(O)/libpammod.a pam_module/pam_ecflink.map
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) $(LDFLAGS) -shared -Wl,-z,defs -Wl,--no-undefined \
		-Wl,--version-script=pam_module/pam_ecflink.map -o $@ \
		-Wl,--whole-archive $(O)/libpammod.a -Wl,--no-whole-archive $(PAM_LIBS)

# Unit tests: tests/test_pam_*.c test the module's objects, tests/test_web_*.c
# ecflink-web's, the others common/ and daemon/.
$(O)/tests/test_pam_%: tests/test_pam_%.c $(O)/libpammod.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) -Ipam_module $(CPPFLAGS) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(PAM_LIBS) $(TEST_LIBS)
$(O)/tests/test_web_%: tests/test_web_%.c $(O)/libweb.a $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) -Iweb $(CPPFLAGS) $(WEB_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(WEB_LIBS) $(TEST_LIBS)
$(O)/tests/test_%: tests/test_%.c $(O)/libdaemon.a $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) -Idaemon $(CPPFLAGS) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(DAEMON_LIBS) $(TEST_LIBS)
# A corpus replayer per fuzz target, for `make check` (tests/check_fuzz.sh).
$(O)/fuzz/replay_%: tests/fuzz_%.c tests/fuzz_replay.c $(O)/libdaemon.a $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) -Idaemon $(CPPFLAGS) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(DAEMON_LIBS)
$(O)/tools/%: tests/tools/%.c $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ $(PAM_LIBS)
# The load tools share tests/tools/benchutil.c (login lists, timed runs,
# latency figures).  ldapbench is `make bench`'s raw libldap yardstick;
# loadgen its front-end-like PAM load.
BENCHUTIL_OBJ = $(O)/app/tests/tools/benchutil.o
$(O)/tools/pamdrive: tests/tools/pamdrive.c $(BENCHUTIL_OBJ) $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ $(PAM_LIBS) -lpthread
$(O)/tools/loadgen: tests/tools/loadgen.c $(BENCHUTIL_OBJ) $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ $(PAM_LIBS) -ldl \
		-lpthread
$(O)/tools/ldapbench: tests/tools/ldapbench.c $(BENCHUTIL_OBJ)
	@mkdir -p $(@D)
	$(CC) $(BASE_CPPFLAGS) $(CPPFLAGS) $(APP_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(shell $(PKG_CONFIG) --libs ldap) -lpthread

FUZZ_REPLAY = $(patsubst tests/fuzz_%.c,$(O)/fuzz/replay_%,$(filter-out tests/fuzz_replay.c,$(wildcard tests/fuzz_*.c)))

tests: $(UNIT_BIN) $(TOOL_BIN) $(FUZZ_REPLAY)

deps:
	@sh .ci/deps.sh

# The test build never touches the three in-tree binaries.
check-build:
	$(MAKE) SAN=1 O=build/check BINOUT=build/check all tests

check: deps
	$(MAKE) check-build
	$(MAKE) all
	sh tests/run.sh build/check

# Load and soak tests of minutes (tests/long_*.sh) on unsanitized copies
# under build/long, so memory figures mean what they say.
# Also the load versions of the fault tests (issue 15): a 30 s syslog stall,
# 100 reloads in 60 s under 16 PAM clients, and the kill test.
check-long: deps
	$(MAKE) check-build
	ECF_LONG=1 sh tests/run.sh build/check it_faults it_logstall it_reload
	$(MAKE) O=build/long BINOUT=build/long all tests
	ECF_LONG=1 sh tests/run.sh build/long long_

demo: deps all
	$(MAKE) O=build/obj tests
	bash tests/demo.sh

# make bench N=1000000 adds the scale section (cold p50 at 10k, 100k, 1M
# pairs; ecflinkd's RSS after N decisions) to the table.
bench: deps all
	$(MAKE) O=build/obj tests
	N='$(N)' bash tests/bench.sh
	bash tests/bench_link.sh
	bash tests/bench_spray.sh

# libFuzzer: each target tests/fuzz_T.c (the protocol decoder, the config
# parser, the log and terminal escapers) runs for FUZZ_TIME seconds from
# its committed corpus tests/fuzz/T/; needs clang, so not part of `make
# check`, which replays each corpus once under ASan/UBSan instead
# (tests/check_fuzz.sh).  New inputs and any crash stay under build/fuzz.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_TARGETS = proto config escape
FUZZ_FLAGS = $(BASE_CPPFLAGS) -Idaemon $(WARN) -Werror -g -O1 -fno-omit-frame-pointer
FUZZ_SRC_proto = common/proto.c
FUZZ_SRC_config = daemon/config.c daemon/config_read.c daemon/config_check.c common/sockio.c \
	common/proto.c
FUZZ_SRC_escape = common/kv.c common/textout.c
FUZZ_LIBS_config = $(shell $(PKG_CONFIG) --libs ldap libconfig 2>/dev/null)
.PHONY: fuzz
fuzz:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { echo "make fuzz: $(FUZZ_CC) not found;" \
		"install it (apt-get install clang) or set FUZZ_CC" >&2; exit 1; }
	@mkdir -p $(FUZZ_TARGETS:%=build/fuzz/corpus/%)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DFUZZ_PROTO_SEEDS -o build/fuzz/fuzz_proto_seeds \
		tests/fuzz_proto.c common/proto.c
	build/fuzz/fuzz_proto_seeds build/fuzz/corpus/proto
	@set -e; for t in $(FUZZ_TARGETS); do \
		case $$t in \
		proto) src="$(FUZZ_SRC_proto)"; libs= ;; \
		config) src="$(FUZZ_SRC_config)"; libs="$(FUZZ_LIBS_config)" ;; \
		escape) src="$(FUZZ_SRC_escape)"; libs= ;; \
		esac; \
		echo "$(FUZZ_CC) ... -o build/fuzz/fuzz_$$t tests/fuzz_$$t.c $$src"; \
		$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined \
			-fno-sanitize-recover=undefined -o build/fuzz/fuzz_$$t \
			tests/fuzz_$$t.c $$src $$libs; \
	done
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz_$$t for $(FUZZ_TIME) s"; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -artifact_prefix=build/fuzz/$$t- \
			-print_final_stats=1 build/fuzz/corpus/$$t tests/fuzz/$$t \
			>build/fuzz/$$t.log 2>&1 || { tail -n 40 build/fuzz/$$t.log; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
			build/fuzz/$$t.log; \
	done

deb:
	sh tests/deb.sh build

check-deb: deps
	sh tests/deb.sh check

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PAMDIR) \
		$(DESTDIR)$(SYSCONFDIR)/ecflink $(DESTDIR)$(SCHEMADIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 daemon/ecflinkd $(DESTDIR)$(SBINDIR)/ecflinkd
	install -d $(DESTDIR)$(LIBEXECDIR)/ecflink
	install -m 0755 daemon/ecflink-mta $(DESTDIR)$(LIBEXECDIR)/ecflink/ecflink-mta
	install -m 0755 cli/ecflinkctl $(DESTDIR)$(BINDIR)/ecflinkctl
	install -m 0755 web/ecflink-web $(DESTDIR)$(SBINDIR)/ecflink-web
	install -m 0644 pam_module/pam_ecflink.so $(DESTDIR)$(PAMDIR)/pam_ecflink.so
	install -m 0644 etc/ecflink.conf etc/redaction-notice.txt $(DESTDIR)$(SYSCONFDIR)/ecflink/
	install -m 0644 schema/ecflink.schema schema/ecflink.ldif $(DESTDIR)$(SCHEMADIR)/
	install -m 0644 etc/ecflinkd.service etc/ecflink-web.service $(DESTDIR)$(UNITDIR)/
	install -m 0644 daemon/ecflink.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 daemon/ecflinkd.8 cli/ecflinkctl.8 pam_module/pam_ecflink.8 \
		web/ecflink-web.8 schema/ecflink-setup-ldap.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(DATADIR)/ecflink-schema $(DESTDIR)$(DOCDIR)/ecflinkd
	sed -e 's|/usr/share/ecflink-schema|$(DATADIR)/ecflink-schema|' \
		-e 's|/etc/ldap/schema/ecflink.ldif|$(SCHEMADIR)/ecflink.ldif|' \
		schema/ecflink-setup-ldap >$(DESTDIR)$(SBINDIR)/ecflink-setup-ldap
	chmod 0755 $(DESTDIR)$(SBINDIR)/ecflink-setup-ldap
	install -m 0644 schema/slapd-sample.ldif schema/entries.ldif schema/slapd-provider.ldif \
		schema/slapd-consumer.ldif \
		$(DESTDIR)$(DATADIR)/ecflink-schema/
	# The README up to its source-tree part, which names files not installed.
	sed '/^<!-- Installed as/,$$d' README.md >$(DESTDIR)$(DOCDIR)/ecflinkd/README.md

format:
	clang-format -i $(COMMON_SRC) $(wildcard */*.h) $(DAEMON_SRC) daemon/main.c daemon/mta_helper.c \
		$(PAM_SRC) $(CLI_SRC) $(UNIT_SRC) $(TOOL_SRC)

clean:
	rm -rf build daemon/ecflinkd daemon/ecflink-mta cli/ecflinkctl pam_module/pam_ecflink.so web/ecflink-web

-include $(shell find build -path build/deb -prune -o -type f -name '*.d' -print 2>/dev/null)
