// A child process serving the image service alone (fake tokens), so a test can watch its resident memory
// from outside. Prints the URL on stdout; stops on SIGTERM.
import { startImages } from './helpers.ts';

const s = await startImages(JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>);
await s.app.listen({ host: '127.0.0.1', port: 0 });
const a = s.app.server.address();
process.stdout.write(`http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`);
process.on('SIGTERM', () => {
  void s.close().then(() => process.exit(0));
});
