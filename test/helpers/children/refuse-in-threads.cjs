// A preload (`node -r`) that lets the main thread start and throws in every worker thread, as a
// broken loader or an incompatible option would: a supervisor thread that cannot start.
const { isMainThread } = require('node:worker_threads');
if (!isMainThread) throw new Error('thread-start-refused-by-preload');
