// A peer for libmcp's client tests: the official TypeScript SDK server, v1
// (@modelcontextprotocol/sdk) or v2 (@modelcontextprotocol/server), with three tools:
//   echo {text} -> the text;  add {a, b} -> the sum as text;
//   steps {n}   -> reports progress n+1 times (0..n of n, 20 ms apart), then "done n".
// Usage: node ts-server.mjs v1|v2 stateful|stateless|sse|stdio
//   stateful   Streamable HTTP with sessions (responses as SSE streams, the SDK's default)
//   stateless  Streamable HTTP, no sessions (v2: 2026-07-28 requests through createMcpHandler,
//              2025-era ones through a per-request transport), JSON responses
//   sse        (v1) the legacy HTTP+SSE transport: GET /sse, POST /messages
//   stdio      newline-delimited JSON-RPC on stdin/stdout
// An HTTP server listens on 127.0.0.1 on a free port and prints "url http://..." on stdout.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';

const [sdk, mode] = process.argv.slice(2);

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

function register(s, schema) {
    s.registerTool('echo', { description: 'Echo the text back', inputSchema: schema({ text: z.string() }) },
        async ({ text }) => ({ content: [{ type: 'text', text }] }));
    s.registerTool('add', { description: 'Add two numbers', inputSchema: schema({ a: z.number(), b: z.number() }) },
        async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
    s.registerTool('steps', { description: 'Report progress n times', inputSchema: schema({ n: z.number().int() }) },
        async ({ n }, extra) => steps(n, extra));
    return s;
}

function readBody(req) {
    return new Promise((resolve) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => resolve(Buffer.concat(chunks)));
    });
}

let handle;
if (sdk === 'v1') {
    const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
    const make = () => register(new McpServer({ name: 'ts-v1', version: '1.0.0' }), (shape) => shape);
    if (mode === 'stdio') {
        const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
        await make().connect(new StdioServerTransport());
    } else if (mode === 'sse') {
        const { SSEServerTransport } = await import('@modelcontextprotocol/sdk/server/sse.js');
        const streams = new Map();
        handle = async (req, res, body) => {
            const url = new URL(req.url, 'http://127.0.0.1');
            if (req.method === 'GET' && url.pathname === '/sse') {
                const t = new SSEServerTransport('/messages', res);
                streams.set(t.sessionId, t);
                res.on('close', () => streams.delete(t.sessionId));
                await make().connect(t);
                return;
            }
            const t = streams.get(url.searchParams.get('sessionId'));
            if (req.method !== 'POST' || !t) {
                res.writeHead(404).end();
                return;
            }
            await t.handlePostMessage(req, res, JSON.parse(body));
        };
    } else {
        const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
        const sessions = new Map();
        handle = async (req, res, body) => {
            const parsed = body.length ? JSON.parse(body) : undefined;
            if (mode === 'stateless') {
                const s = make();
                const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
                res.on('close', () => { t.close(); s.close(); });
                await s.connect(t);
                return t.handleRequest(req, res, parsed);
            }
            const sid = req.headers['mcp-session-id'];
            let t = sid && sessions.get(sid);
            if (!t) {
                if (sid) { res.writeHead(404).end(); return; }
                t = new StreamableHTTPServerTransport({
                    sessionIdGenerator: () => randomUUID(),
                    onsessioninitialized: (id) => sessions.set(id, t),
                });
                t.onclose = () => t.sessionId && sessions.delete(t.sessionId);
                await make().connect(t);
            }
            return t.handleRequest(req, res, parsed);
        };
    }
} else {
    const server = await import('@modelcontextprotocol/server');
    const make = () => register(new server.McpServer({ name: 'ts-v2', version: '2.0.0' }), (shape) => z.object(shape));
    if (mode === 'stdio') {
        const { StdioServerTransport } = await import('@modelcontextprotocol/server/stdio');
        await make().connect(new StdioServerTransport());
    } else {
        const toRequest = (req, body) => new Request(`http://127.0.0.1${req.url}`, {
            method: req.method, headers: req.headers, body: req.method === 'POST' ? body : undefined,
        });
        const send = async (res, r) => {
            const headers = {};
            r.headers.forEach((v, k) => (headers[k] = v));
            res.writeHead(r.status, headers);
            if (r.body) for await (const chunk of r.body) res.write(chunk);
            res.end();
        };
        if (mode === 'stateless') {
            const modern = server.createMcpHandler(() => make(), { legacy: 'reject', responseMode: 'json' });
            handle = async (req, res, body) => {
                const request = toRequest(req, body);
                if (!(await server.isLegacyRequest(request))) return send(res, await modern.fetch(request));
                const s = make();
                const t = new server.WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
                await s.connect(t);
                try {
                    return await send(res, await t.handleRequest(request));
                } finally {
                    await t.close();
                    await s.close();
                }
            };
        } else {
            const sessions = new Map();
            handle = async (req, res, body) => {
                const sid = req.headers['mcp-session-id'];
                let t = sid && sessions.get(sid);
                if (!t) {
                    if (sid) { res.writeHead(404).end(); return; }
                    t = new server.WebStandardStreamableHTTPServerTransport({
                        sessionIdGenerator: () => randomUUID(),
                        onsessioninitialized: (id) => sessions.set(id, t),
                    });
                    await make().connect(t);
                }
                return send(res, await t.handleRequest(toRequest(req, body)));
            };
        }
    }
}

if (handle) {
    const srv = http.createServer(async (req, res) => {
        try {
            await handle(req, res, await readBody(req));
        } catch (e) {
            if (!res.headersSent) res.writeHead(500);
            res.end(String(e));
        }
    });
    srv.listen(0, '127.0.0.1', () => {
        const path = mode === 'sse' ? '/sse' : '/mcp';
        console.log(`url http://127.0.0.1:${srv.address().port}${path}`);
    });
}
