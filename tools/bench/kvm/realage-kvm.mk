# SPDX-License-Identifier: GPL-2.0
#
# Read after the KVM selftests' own Makefile (scripts/kvm-selftests.sh:
# make -f Makefile -f THIS): secmmu-realage-kvm, a program of ours on the
# selftests' library, built with the selftests' flags into $(OUTPUT).

REALAGE_KVM_SRC ?= $(error REALAGE_KVM_SRC: path of realage-kvm.c)

$(OUTPUT)/secmmu-realage-kvm: $(REALAGE_KVM_SRC) $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< \
		$(LIBKVM_OBJS) $(LDLIBS) -o $@
