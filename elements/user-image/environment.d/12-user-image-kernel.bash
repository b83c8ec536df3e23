# Which Debian kernel the vm, baremetal and user-image elements install: generic (linux-image-amd64, every
# driver) or cloud (linux-image-cloud-amd64: virtio and the common cloud hardware, about a fifth of the modules).
export DIB_DEBIAN_KERNEL_FLAVOUR=${DIB_DEBIAN_KERNEL_FLAVOUR:-generic}
