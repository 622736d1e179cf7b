#!/usr/bin/env python3
"""A real SMTP server on loopback for xaso's e-mail tests (aiosmtpd, installed by scripts/test).

Prints the port it listens on, then writes every message it accepts as one JSON line to --out
("event": "message"),
decoded by Python's own e-mail parser (subject and body as text, so the test sees what a mail
reader would): message_id, subject, from, to, body, headers_ascii (whether every header line went
out in 7-bit, as RFC 5322 wants for a server without SMTPUTF8).

To test a sender that dies mid-delivery, it can misbehave once:
  --hang-at-rcpt-once      never answer the first RCPT TO (the message is not taken)
  --hang-after-data-once   take the first message (write it), then never answer its DATA
"""
import argparse
import asyncio
import email
import email.policy
import json
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out, hang_at_rcpt, hang_after_data):
        self.out = out
        self.hang_at_rcpt = hang_at_rcpt
        self.hang_after_data = hang_after_data

    def note(self, record):
        with open(self.out, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hang_at_rcpt:
            self.hang_at_rcpt = False
            self.note({"event": "hang-at-rcpt", "rcpt": address})
            await asyncio.sleep(3600)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        head = raw.split(b"\r\n\r\n", 1)[0]
        record = {
            "event": "message",
            "message_id": str(message["Message-ID"]),
            "subject": str(message["Subject"]),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "content_type": message.get_content_type(),
            "body": message.get_content(),
            "headers_ascii": all(b < 128 for b in head),
        }
        self.note(record)
        if self.hang_after_data:
            self.hang_after_data = False
            self.note({"event": "hang-after-data", "message_id": record["message_id"]})
            await asyncio.sleep(3600)
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--hang-at-rcpt-once", action="store_true")
    parser.add_argument("--hang-after-data-once", action="store_true")
    args = parser.parse_args()
    sink = Sink(args.out, args.hang_at_rcpt_once, args.hang_after_data_once)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, enable_SMTPUTF8=True, hostname="smtp-sink.test"), "127.0.0.1", args.port
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
