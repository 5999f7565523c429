# SPDX-License-Identifier: GPL-2.0
#
#   make            build dwcp.ko and the helper programs
#   make check      install what is missing, build, run every test
#   make demo       install what is missing, build, show it working in a VM
#   make kunit      KUnit suites only (UML)
#   make selftests  guest selftests only
#   make clean
#
# dwcp.ko builds against the headers of the running kernel when present,
# else against the newest installed Debian *-amd64 headers; KDIR= overrides.
# check and demo build against the kernel the test VM boots.

VM_KVER := $(shell scripts/kver 2>/dev/null)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),/lib/modules/$(VM_KVER)/build)

CC ?= cc
B := build
HELPER_VERSION := 0.1.0
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
HCFLAGS := -std=c11 -D_GNU_SOURCE -DDWCP_HELPER_VERSION='"$(HELPER_VERSION)"' \
	$(WARN) $(CFLAGS) $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null) -lm
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC := helper/msg.c helper/nl.c helper/af.c helper/pba.c helper/policy.c helper/config.c helper/metrics.c
LIB_HDR := $(wildcard helper/*.h) uapi/linux/dwcp.h
PROGS := $(B)/bin/dwcpctl $(B)/bin/dwcpd $(B)/bin/dwcp-socktest $(B)/bin/dwcp-perf \
	$(B)/bin/dwcp-epolltest $(B)/bin/dwcp-records
UNIT_TESTS := $(B)/tests/test_msg $(B)/tests/test_pba $(B)/tests/test_policy $(B)/tests/test_config $(B)/tests/hde-vmmem

.PHONY: all module helper check demo kunit selftests unit fuzz deps clean hde-bench pba-bench mode-bench

all: module helper

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

helper: $(PROGS) $(B)/lib/libdwcp-preload.so $(B)/bin/dwcp-run

$(B)/lib/libdwcp-preload.so: helper/preload/dwcp-preload.c helper/af.c helper/af.h uapi/linux/dwcp.h
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) -fPIC -shared -o $@ $< helper/af.c -ldl

$(B)/bin/dwcp-run: helper/dwcp-run
	@mkdir -p $(@D)
	cp $< $@

$(B)/bin/%: helper/%.c $(LIB_SRC) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) -o $@ $< $(LIB_SRC) $(NL_LIBS)

$(B)/bin/dwcp-perf: helper/dwcp-perf.c helper/af.c helper/af.h uapi/linux/dwcp.h
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) -pthread -o $@ $< helper/af.c

$(B)/bin/dwcp-epolltest: tests/selftests/epolltest.c helper/af.c helper/af.h
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) -o $@ $< helper/af.c

$(B)/bin/dwcp-records: tests/selftests/records.c tests/hde/vmmem.c tests/hde/vmmem.h helper/af.c helper/af.h uapi/linux/dwcp.h
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) -o $@ $< tests/hde/vmmem.c helper/af.c -lzstd -lcrypto

$(B)/bin/dwcp-socktest: tests/selftests/socktest.c helper/af.c helper/af.h
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) -o $@ $< helper/af.c

# Unit tests always run under ASan and UBSan.
$(B)/tests/test_%: tests/helper/test_%.c $(LIB_SRC) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) $(SAN) -o $@ $< $(LIB_SRC) $(NL_LIBS) -lcmocka

unit: $(UNIT_TESTS)

deps:
	@scripts/deps.sh

check: deps
	$(MAKE) KDIR=/lib/modules/$$(scripts/kver)/build all unit fuzz
	tests/run

demo: deps
	$(MAKE) KDIR=/lib/modules/$$(scripts/kver)/build all
	scripts/vm-run scripts/demo.sh

kunit: deps
	scripts/kunit

selftests: deps
	$(MAKE) KDIR=/lib/modules/$$(scripts/kver)/build all
	scripts/vm-run --timeout 2700 tests/selftests/run.sh

$(B)/bin/pba-replay: tests/bench/pba_replay.c helper/pba.c helper/pba.h
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) -o $@ $< helper/pba.c -lm

# PBA prediction quality on the held-out traces (norway-test).
pba-bench: $(B)/bin/pba-replay
	tests/bench/pba

# Mode-switch latency from netem change to mode-changed event, in the guest.
mode-bench: deps
	tests/bench/mode

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(B)

# libFuzzer harnesses (clang): one per parser of untrusted input.
FUZZERS := $(B)/fuzz/fuzz_msg $(B)/fuzz/fuzz_hde $(B)/fuzz/fuzz_config
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	$(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)

$(B)/fuzz/fuzz_msg: tests/fuzz/fuzz_msg.c helper/msg.c $(LIB_HDR)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< helper/msg.c $(NL_LIBS)

$(B)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c helper/config.c helper/policy.c helper/pba.c $(LIB_HDR)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< helper/config.c helper/policy.c helper/pba.c -lm

# The HDE codec (kmod/hde.c) built in userspace: tests/hde/hde_user.h maps
# the kernel API onto libc, libxxhash and libzstd.
HDE_SRC := kmod/hde.c
HDE_DEP := kmod/hde.c kmod/hde.h tests/hde/hde_user.h uapi/linux/dwcp.h
HDE_INC := -Itests/hde -Ikmod
HDE_LIBS := -lzstd -lxxhash

$(B)/fuzz/fuzz_hde: tests/fuzz/fuzz_hde.c tests/fuzz/hde_fuzz.h $(HDE_DEP)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(HDE_INC) -o $@ $< $(HDE_SRC) $(HDE_LIBS)

$(B)/bin/gen-hde-seeds: tests/fuzz/gen_hde_seeds.c tests/fuzz/hde_fuzz.h $(HDE_DEP)
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) $(HDE_INC) -o $@ $< $(HDE_SRC) $(HDE_LIBS)

# hde-vmmem: pre-copy rounds of ../shared/data/vmmem through the codec.  The
# test build runs under ASan and UBSan; the benchmark build is optimised.
$(B)/tests/hde-vmmem: tests/hde/hde_vmmem.c tests/hde/vmmem.c tests/hde/vmmem.h $(HDE_DEP)
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) $(SAN) $(HDE_INC) -o $@ $< tests/hde/vmmem.c $(HDE_SRC) $(HDE_LIBS) -lcrypto

$(B)/bin/hde-vmmem: tests/hde/hde_vmmem.c tests/hde/vmmem.c tests/hde/vmmem.h $(HDE_DEP)
	@mkdir -p $(@D)
	$(CC) $(HCFLAGS) -O2 $(HDE_INC) -o $@ $< tests/hde/vmmem.c $(HDE_SRC) $(HDE_LIBS) -lcrypto

hde-bench: $(B)/bin/hde-vmmem
	$(B)/bin/hde-vmmem bench ../shared/data/vmmem/redis | tee $(B)/hde-bench.md

fuzz: $(FUZZERS)
