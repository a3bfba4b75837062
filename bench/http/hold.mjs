// Benchmark helper. Two modes, both against a server on 127.0.0.1:
//   node hold.mjs sessions URL N      create N sessions (initialize + initialized), keep them,
//                                     print "ok N" and wait for stdin to close
//   node hold.mjs streams URL N       create N sessions, each with an open standalone GET SSE
//                                     stream; print "ok N" and hold them until stdin closes
// Uses raw sockets with keep-alive so that N can reach 10,000 (ulimit -n must allow it).
import net from 'node:net';

const [mode, url, nArg] = process.argv.slice(2);
const N = Number(nArg);
const u = new URL(url);
const port = Number(u.port);
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
const INITED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

function request(sock, head, body) {
    return new Promise((resolve, reject) => {
        let buf = '';
        const onData = (d) => {
            buf += d;
            const i = buf.indexOf('\r\n\r\n');
            if (i < 0) return;
            const m = /content-length:\s*(\d+)/i.exec(buf.slice(0, i));
            const len = m ? Number(m[1]) : 0;
            if (buf.length < i + 4 + len) return;
            sock.off('data', onData);
            sock.off('error', reject);
            resolve(buf.slice(0, i));
        };
        sock.on('data', onData);
        sock.on('error', reject);
        sock.write(head + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` + body);
    });
}

const H = `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n` +
    `Accept: application/json, text/event-stream\r\n`;
const held = [];
const WORKERS = 32;
let next = 0;
async function worker() {
    const sock = net.connect(port, '127.0.0.1');
    sock.setEncoding('utf8');
    await new Promise((r) => sock.once('connect', r));
    while (next < N) {
        next++;
        const head = await request(sock, H, INIT);
        const sid = /mcp-session-id:\s*(\S+)/i.exec(head)?.[1];
        if (!sid) throw new Error('no session id: ' + head);
        await request(sock, H + `Mcp-Session-Id: ${sid}\r\n`, INITED);
        if (mode === 'streams') {
            const s = net.connect(port, '127.0.0.1');
            await new Promise((r) => s.once('connect', r));
            s.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n` +
                `Mcp-Session-Id: ${sid}\r\n\r\n`);
            await new Promise((r) => s.once('data', r));
            s.on('data', () => {});
            held.push(s);
        }
    }
    held.push(sock);
}
await Promise.all(Array.from({ length: WORKERS }, worker));
console.log(`ok ${N}`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
