// The image's HEALTHCHECK: healthy when /api/health answers 200 on the configured port.
const port = process.env.PORT || '8787';
try {
  const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2500) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
