# SPDX-License-Identifier: GPL-2.0
#
# Read after the KVM selftests' own Makefile (scripts/kvm-selftests.sh:
# make -f Makefile -f THIS): the bench's programs on the selftests'
# library, built with the selftests' flags into $(OUTPUT):
#   secmmu-realage-kvm  realage-kvm.c (series realage)
#   secmmu-real-kvm     real-kvm.c (series realinval, realdirty, realvcpu)

KVM_BENCH_SRC ?= $(error KVM_BENCH_SRC: directory of realage-kvm.c)

$(OUTPUT)/secmmu-realage-kvm: $(KVM_BENCH_SRC)/realage-kvm.c $(KVM_BENCH_SRC)/unaged.h \
		$(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< \
		$(LIBKVM_OBJS) $(LDLIBS) -o $@

$(OUTPUT)/secmmu-real-kvm: $(KVM_BENCH_SRC)/real-kvm.c $(KVM_BENCH_SRC)/unaged.h \
		$(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< \
		$(LIBKVM_OBJS) $(LDLIBS) -o $@
