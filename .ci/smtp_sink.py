"""A mail server for the production CI job: accepts every message over SMTP (as the env file's
EMAIL_HOST) and keeps each as one file, so the job counts what was really sent. A message is
kept only when its DATA is complete: a client that dies before (killed mid-send) delivered nothing.

    python .ci/smtp_sink.py PORT DIRECTORY
"""

import socketserver
import sys
import time
import uuid
from pathlib import Path

OUT = Path(sys.argv[2])


class Session(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        # DIRECTORY/slow holding N: wait N seconds before greeting (the CI job kills a worker mid-send).
        slow = OUT / "slow"
        if slow.exists():
            time.sleep(float(slow.read_text() or 0))
        self.reply("220 ci-sink ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-ci-sink")
                self.reply("250 8BITMIME")
            elif verb in ("HELO", "NOOP", "RSET"):
                recipients = [] if verb == "RSET" else recipients
                self.reply("250 OK")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                name = OUT / f"{uuid.uuid4().hex}.eml"
                name.write_bytes(b"X-Sink-To: " + ",".join(recipients).encode() + b"\r\n" + b"".join(lines))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    with Server(("127.0.0.1", int(sys.argv[1])), Session) as server:
        server.serve_forever()
