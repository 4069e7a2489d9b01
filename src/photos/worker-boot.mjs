// Starts the photo worker (worker.ts) in a worker thread: the app runs its TypeScript through tsx,
// and a worker thread has its own module loader, so tsx is registered here first.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
