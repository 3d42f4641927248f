// Serves the package's files to headless Chromium, for the browser test
// and benchmark.
import { readFile } from 'node:fs/promises';
import { join, normalize, extname } from 'node:path';

export const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json',
};

// fileUnder returns the file that the URL path rel names below root, or
// null when rel climbs out of it.
export function fileUnder(root, rel) {
  const file = normalize(join(root, rel));
  return file.startsWith(root) ? file : null;
}

// sendFile answers with file and its content type (by extension), or 404
// when it cannot be read; file null (outside the root) answers 403.
export async function sendFile(res, file) {
  if (file === null) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
}
