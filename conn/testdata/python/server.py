"""A server built on Python's websockets library, for wsdbg's
interoperability tests.

It listens on 127.0.0.1 with a random port, prints "LISTENING <port>" and
runs until its standard input is closed. Paths:

  /echo         echoes every message
  /close/CODE   closes at once with CODE and the reason "closing with CODE"
  /idle         accepts and never sends (the library still answers pings)
"""

import asyncio
import sys
import threading

import websockets


async def handle(ws):
    # websockets 10 exposes the path as ws.path, 13 and later as
    # ws.request.path.
    path = ws.request.path if hasattr(ws, "request") else ws.path
    if path == "/echo":
        async for message in ws:
            await ws.send(message)
    elif path.startswith("/close/") and path[len("/close/"):].isdigit():
        code = int(path[len("/close/"):])
        await ws.close(code, "closing with %d" % code)
    elif path == "/idle":
        await ws.wait_closed()
    else:
        await ws.close(1008, "unknown path")


async def main():
    # Ending when stdin closes lets the parent stop us without signals, and
    # we never outlive it.
    stdin_closed = asyncio.get_running_loop().create_future()

    def watch_stdin():
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stdin_closed.set_result, None)

    loop = asyncio.get_running_loop()
    threading.Thread(target=watch_stdin, daemon=True).start()
    async with websockets.serve(handle, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print("LISTENING %d" % port, flush=True)
        await stdin_closed


if __name__ == "__main__":
    asyncio.run(main())
