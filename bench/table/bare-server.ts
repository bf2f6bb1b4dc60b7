// The bare socket.io server (bare-io.ts) in its own process: the floor of the hub's memory per
// connected register.
import { startBareIo } from './bare-io';

const bare = await startBareIo();
process.stdout.write(`READY ${bare.url}\n`);
process.once('SIGTERM', () => void bare.close().then(() => process.exit(0)));
