// Entry point: ramdisk-image-create [options] element...
import { reexec, runImageCreate } from './cli.ts';

const argv = process.argv.slice(2);
process.exitCode = (await reexec(import.meta.filename, argv)) ?? (await runImageCreate(argv, 'ramdisk'));
