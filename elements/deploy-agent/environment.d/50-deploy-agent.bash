export DIB_DEPLOY_AGENT_BUNDLE=${DIB_DEPLOY_AGENT_BUNDLE:-${TRIPLEO_TS_ROOT:-}/dist/deploy-agent.mjs}
export DIB_RAMDISK_MODULES=${DIB_RAMDISK_MODULES:-virtio_pci virtio_net virtio_blk virtio_scsi sd_mod ahci e1000}
