export DISTRO_NAME=testos
