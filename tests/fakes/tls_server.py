"""The HTTPS server the fake Microsoft services (Entra ID, Graph) run on: one thread per connection, the TLS
handshake in that thread, and a stop that also ends idle keep-alive connections."""
from __future__ import annotations

import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext, fake: object):
        super().__init__(("127.0.0.1", 0), handler)
        self.context, self.fake = context, fake  # handlers reach their fake as self.server.fake
        self.open_sockets: set = set()
        self._sockets_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, name: str) -> TLSServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, name=name,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        with self._sockets_lock:
            kept_alive = list(self.open_sockets)
        for sock in kept_alive:  # idle keep-alive connections would otherwise hold their threads
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def finish_request(self, request, client_address) -> None:
        # The TLS handshake runs here, in the request's own thread, so a client that never completes
        # it holds up only itself, not the accept loop.
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self._sockets_lock:
            self.open_sockets.add(tls)
        try:
            super().finish_request(tls, client_address)
        finally:
            with self._sockets_lock:
                self.open_sockets.discard(tls)
            tls.close()

    def handle_error(self, request, client_address) -> None:
        """Clients hanging up is normal."""
