// The same `echo` tool served by the official TypeScript SDK over Streamable HTTP, for the
// benchmark: v1 (@modelcontextprotocol/sdk) or v2 (@modelcontextprotocol/server), stateful
// (sessions) or stateless, JSON responses (or the SDK default, SSE, with a 4th argument `sse`).
// Usage: node ts-server.mjs v1|v2 stateful|stateless PORT [sse]
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';

const [sdk, mode, portArg, respMode] = process.argv.slice(2);
const jsonResponse = respMode !== 'sse'; // 'sse': the SDK's default (responses as SSE streams)
const port = Number(portArg);
const stateful = mode === 'stateful';

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
    const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
    const make = () => {
        const s = new McpServer({ name: 'bench-v1', version: '1.0.0' });
        s.registerTool('echo', { description: 'Echo the message back', inputSchema: { message: z.string() } },
            async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
        return s;
    };
    const sessions = new Map();
    handle = async (req, res, body) => {
        const parsed = body.length ? JSON.parse(body) : undefined;
        if (!stateful) {
            const s = make();
            const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: jsonResponse });
            res.on('close', () => { t.close(); s.close(); });
            await s.connect(t);
            return t.handleRequest(req, res, parsed);
        }
        const sid = req.headers['mcp-session-id'];
        let t = sid && sessions.get(sid);
        if (!t) {
            if (sid) { res.writeHead(404).end(); return; }
            t = new StreamableHTTPServerTransport({
                sessionIdGenerator: () => randomUUID(), enableJsonResponse: jsonResponse,
                onsessioninitialized: (id) => sessions.set(id, t),
            });
            t.onclose = () => t.sessionId && sessions.delete(t.sessionId);
            await make().connect(t);
        }
        return t.handleRequest(req, res, parsed);
    };
} else {
    const { McpServer, createMcpHandler, isLegacyRequest, WebStandardStreamableHTTPServerTransport } =
        await import('@modelcontextprotocol/server');
    const make = () => {
        const s = new McpServer({ name: 'bench-v2', version: '1.0.0' });
        s.registerTool('echo', { description: 'Echo the message back', inputSchema: z.object({ message: z.string() }) },
            async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
        return s;
    };
    const toRequest = (req, body) => new Request(`http://127.0.0.1:${port}${req.url}`, {
        method: req.method, headers: req.headers, body: req.method === 'POST' ? body : undefined,
    });
    const send = async (res, r) => {
        const headers = {};
        r.headers.forEach((v, k) => (headers[k] = v));
        res.writeHead(r.status, headers);
        if (r.body) for await (const chunk of r.body) res.write(chunk);
        res.end();
    };
    if (!stateful) {
        // createMcpHandler serves 2025-era requests (the benchmark's) on a transport of its own
        // making, which always answers with SSE; so, as its documentation shows, route them with
        // isLegacyRequest to a per-request stateless transport with enableJsonResponse, and give
        // the handler the 2026-07-28 requests only (responseMode 'json' unless `sse`).
        const modern = createMcpHandler(() => make(), { legacy: 'reject', responseMode: jsonResponse ? 'json' : 'sse' });
        handle = async (req, res, body) => {
            const request = toRequest(req, body);
            if (!(await isLegacyRequest(request))) return send(res, await modern.fetch(request));
            const s = make();
            const t = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: jsonResponse });
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
                t = new WebStandardStreamableHTTPServerTransport({
                    sessionIdGenerator: () => randomUUID(), enableJsonResponse: jsonResponse,
                    onsessioninitialized: (id) => sessions.set(id, t),
                });
                await make().connect(t);
            }
            return send(res, await t.handleRequest(toRequest(req, body)));
        };
    }
}

http.createServer(async (req, res) => {
    try {
        await handle(req, res, await readBody(req));
    } catch (e) {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(e));
    }
}).listen(port, '127.0.0.1', () => console.error(`ts-server ${sdk} ${mode} on http://127.0.0.1:${port}/mcp`));
