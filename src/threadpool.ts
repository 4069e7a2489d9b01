/**
 * Node's libuv pool runs both sharp's image work and every file write and fsync; its default of 4
 * threads lets a few photos' fsyncs keep the next photo's decoding waiting. Imported first by the
 * entry points, before anything uses the pool (it reads this variable once, at first use).
 */
process.env.UV_THREADPOOL_SIZE ??= '16';
