// A peer for libmcp's client tests: the official TypeScript SDK server, v1
// (@modelcontextprotocol/sdk) or v2 (@modelcontextprotocol/server), with three tools:
//   echo {text} -> the text;  add {a, b} -> the sum as text;
//   steps {n}   -> reports progress n+1 times (0..n of n, 20 ms apart), then "done n".
// Usage: node ts-server.mjs v1|v2 stateful|stateless|sse|stdio
//   stateful   Streamable HTTP with sessions (responses as SSE streams, the SDK's default)
//   stateless  Streamable HTTP, no sessions, JSON responses
//   sse        (v1) the legacy HTTP+SSE transport;  stdio  newline-delimited JSON-RPC
// (the transports are tests/lib/ts-server.mjs's). An HTTP server listens on 127.0.0.1 on a free
// port and prints "url http://..." on stdout.
import * as z from 'zod';
import { serve } from '../lib/ts-server.mjs';

const [sdk, mode] = process.argv.slice(2);
const schema = sdk === 'v1' ? (shape) => shape : (shape) => z.object(shape);

async function steps(n, extra) {
    const token = extra?._meta?.progressToken;
    for (let i = 0; i <= n; i++) {
        await new Promise((r) => setTimeout(r, 20)); // spaced, as real work is
        if (token !== undefined)
            await extra.sendNotification({
                method: 'notifications/progress',
                params: { progressToken: token, progress: i, total: n, message: `step ${i}` },
            });
    }
    return { content: [{ type: 'text', text: `done ${n}` }] };
}

function register(s) {
    s.registerTool('echo', { description: 'Echo the text back', inputSchema: schema({ text: z.string() }) },
        async ({ text }) => ({ content: [{ type: 'text', text }] }));
    s.registerTool('add', { description: 'Add two numbers', inputSchema: schema({ a: z.number(), b: z.number() }) },
        async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
    s.registerTool('steps', { description: 'Report progress n times', inputSchema: schema({ n: z.number().int() }) },
        async ({ n }, extra) => steps(n, extra));
    return s;
}

const url = await serve({
    sdk, mode, port: 0, json: mode === 'stateless', register, load: (m) => import(m),
    info: sdk === 'v1' ? { name: 'ts-v1', version: '1.0.0' } : { name: 'ts-v2', version: '2.0.0' },
});
if (url) console.log(`url ${url}`);
