// A preload (`node -r`) that lets every thread start and ends each worker thread 1.5 s later
// with an uncaught error: a supervisor thread that dies while its worker sits idle in the pool.
const { isMainThread } = require('node:worker_threads');
if (!isMainThread) {
  setTimeout(() => {
    throw new Error('supervisor-thread-died-later');
  }, 1_500).unref();
}
