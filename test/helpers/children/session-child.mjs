/**
 * A raw protocol child whose session can be lost and whose metadata can change between
 * generations, written with the codec from the compiled tree. Every export needs an open session
 * (`lean_rs.worker.session_missing` otherwise), as the real child's worker requests do.
 *
 *   open_host_session              imports (after `--open-delay-ms=N` for the first open of this
 *                                  process, `--reopen-delay-ms=N` for any later one)
 *   json_command         echo      {"echo": <request>, "opens": <opens in this process>}
 *                        forget    drops the session (the next export answers session_missing)
 *   capability_metadata  metadata  lean_version: the text of `--metadata-file=PATH`, read each time
 *   run_data_stream      crash     exits with status 3
 *
 * Exits 1 on stdin EOF and by itself after 60 s.
 */
import fs from 'node:fs';
import { FrameDecoder } from '../../../dist/src/protocol/codec.js';
import { decodeParentMessage } from '../../../dist/src/protocol/decode.js';
import { encodeHandshake, encodeResponse } from '../../../dist/src/protocol/encode.js';

const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const openDelayMs = Number(flag('open-delay-ms') ?? 0);
const reopenDelayMs = Number(flag('reopen-delay-ms') ?? 0);
const metadataFile = flag('metadata-file');
const out = (buf) => fs.writeSync(1, buf);
const answer = (response) => out(encodeResponse(response));
const sessionMissing = { status: 'error', code: 'lean_rs.worker.session_missing', message: 'no session' };

let session = false;
let opens = 0;

function importStats(imports, level) {
  return {
    direct_import_names: imports,
    effective_module_count: imports.length,
    compacted_region_count: 0,
    memory_mapped_region_count: 0,
    compacted_region_bytes: 0,
    memory_mapped_region_bytes: 0,
    non_memory_mapped_region_bytes: 0,
    imported_bytes: 0,
    imported_constant_count: 0,
    extension_count: 0,
    total_imported_extension_entries: 0,
    import_level: level,
    import_all: false,
    load_exts: true,
  };
}

function open(request) {
  const delay = opens === 0 ? openDelayMs : reopenDelayMs;
  setTimeout(() => {
    opens += 1;
    session = true;
    answer({
      status: 'host_session_opened',
      import_stats: importStats(request.imports, request.import_profile),
    });
  }, delay);
}

function serve(request) {
  if (request.op === 'health') return answer({ status: 'health_ok' });
  if (request.op === 'terminate') {
    answer({ status: 'terminating' });
    return process.exit(0);
  }
  if (request.op === 'open_host_session') return open(request);
  if (!session) return answer(sessionMissing);
  if (request.op === 'run_data_stream' && request.export === 'crash') return process.exit(3);
  if (request.op === 'capability_metadata' && request.export === 'metadata') {
    const leanVersion = metadataFile ? fs.readFileSync(metadataFile, 'utf8') : null;
    return answer({
      status: 'capability_metadata',
      metadata: { commands: [], capabilities: [], lean_version: leanVersion, extra: null },
    });
  }
  if (request.op === 'json_command' && request.export === 'forget') {
    session = false;
    return answer({ status: 'json_command', response_json: '{"forgot":true}' });
  }
  if (request.op === 'json_command' && request.export === 'echo') {
    return answer({
      status: 'json_command',
      response_json: `{"echo":${request.request_json},"opens":${opens}}`,
    });
  }
  return answer({ status: 'error', code: 'fixture.unknown_export', message: request.op });
}

setTimeout(() => process.exit(0), 60_000).unref();
out(encodeHandshake('0.1.0-session'));
const decoder = new FrameDecoder();
process.stdin.on('end', () => process.exit(1));
process.stdin.on('data', (chunk) => {
  for (const text of decoder.push(chunk)) {
    const message = decodeParentMessage(text);
    if (message.type === 'request') serve(message.body);
  }
});
