// The official TypeScript SDK server as a peer, for the tests and the benchmarks that need one
// (tests/http-client/ts-server.mjs, bench/http/ts-server.mjs): v1 (@modelcontextprotocol/sdk) or
// v2 (@modelcontextprotocol/server), with the caller's tools, over one transport:
//   stateful   Streamable HTTP with sessions
//   stateless  Streamable HTTP, no sessions (v2: 2026-07-28 requests through createMcpHandler,
//              2025-era ones through a per-request transport, as its documentation shows)
//   sse        (v1) the legacy HTTP+SSE transport: GET /sse, POST /messages
//   stdio      newline-delimited JSON-RPC on stdin/stdout
// The SDK is loaded through the caller's `load` (its own `(m) => import(m)`), so it resolves from
// the caller's folder, pinned by that folder's package-lock.json.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

function readBody(req) {
    return new Promise((resolve) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => resolve(Buffer.concat(chunks)));
    });
}

/**
 * Serve until the process ends. opts: { sdk: 'v1'|'v2', mode (above), port (0: a free one),
 * json (Streamable HTTP responses as JSON rather than the SDK's default SSE streams), info
 * ({ name, version } of the server), register(server) (adds the tools), load (the caller's
 * import) }. Resolves to the URL once it listens on 127.0.0.1 (/sse in sse mode, /mcp otherwise),
 * or to null in stdio mode.
 */
export async function serve({ sdk, mode, port = 0, json, info, register, load }) {
    let handle;
    if (sdk === 'v1') {
        const { McpServer } = await load('@modelcontextprotocol/sdk/server/mcp.js');
        const make = () => register(new McpServer(info));
        if (mode === 'stdio') {
            const { StdioServerTransport } = await load('@modelcontextprotocol/sdk/server/stdio.js');
            await make().connect(new StdioServerTransport());
            return null;
        }
        if (mode === 'sse') {
            const { SSEServerTransport } = await load('@modelcontextprotocol/sdk/server/sse.js');
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
            const { StreamableHTTPServerTransport } = await load('@modelcontextprotocol/sdk/server/streamableHttp.js');
            const sessions = new Map();
            handle = async (req, res, body) => {
                const parsed = body.length ? JSON.parse(body) : undefined;
                if (mode === 'stateless') {
                    const s = make();
                    const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: json });
                    res.on('close', () => { t.close(); s.close(); });
                    await s.connect(t);
                    return t.handleRequest(req, res, parsed);
                }
                const sid = req.headers['mcp-session-id'];
                let t = sid && sessions.get(sid);
                if (!t) {
                    if (sid) { res.writeHead(404).end(); return; }
                    t = new StreamableHTTPServerTransport({
                        sessionIdGenerator: () => randomUUID(), enableJsonResponse: json,
                        onsessioninitialized: (id) => sessions.set(id, t),
                    });
                    t.onclose = () => t.sessionId && sessions.delete(t.sessionId);
                    await make().connect(t);
                }
                return t.handleRequest(req, res, parsed);
            };
        }
    } else {
        const server = await load('@modelcontextprotocol/server');
        const make = () => register(new server.McpServer(info));
        if (mode === 'stdio') {
            const { StdioServerTransport } = await load('@modelcontextprotocol/server/stdio');
            await make().connect(new StdioServerTransport());
            return null;
        }
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
            const modern = server.createMcpHandler(() => make(), { legacy: 'reject', responseMode: json ? 'json' : 'sse' });
            handle = async (req, res, body) => {
                const request = toRequest(req, body);
                if (!(await server.isLegacyRequest(request))) return send(res, await modern.fetch(request));
                const s = make();
                const t = new server.WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: json });
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
                        sessionIdGenerator: () => randomUUID(), enableJsonResponse: json,
                        onsessioninitialized: (id) => sessions.set(id, t),
                    });
                    await make().connect(t);
                }
                return send(res, await t.handleRequest(toRequest(req, body)));
            };
        }
    }
    const srv = http.createServer(async (req, res) => {
        try {
            await handle(req, res, await readBody(req));
        } catch (e) {
            if (!res.headersSent) res.writeHead(500);
            res.end(String(e));
        }
    });
    await new Promise((resolve) => srv.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${srv.address().port}${mode === 'sse' ? '/sse' : '/mcp'}`;
}
