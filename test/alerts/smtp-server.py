"""A local SMTP server for the e-mail alert test (Debian python3-aiosmtpd): STARTTLS required,
AUTH required (only after STARTTLS). Prints {"port": N} once listening, then one JSON line per
received message. Exits by itself after LIFETIME seconds.
Usage: /usr/bin/python3 smtp-server.py CERT KEY USER PASSWORD LIFETIME [--no-starttls]"""
import asyncio
import email
import email.policy
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

cert, key, user, password, lifetime = sys.argv[1:6]
plain = "--no-starttls" in sys.argv


class Handler:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        print(json.dumps({
            "subject": str(msg["subject"]),
            "body": msg.get_body(("plain",)).get_content(),
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": envelope.content.decode("utf8", "replace"),
            "tls": session.ssl is not None,
            "user": session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data,
        }), flush=True)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
          and auth_data.password == password.encode())
    if not ok:
        print(json.dumps({"auth_failed": mechanism}), flush=True)
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


async def main():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    if plain:
        factory = lambda: SMTP(Handler(), hostname="smtp.test")  # noqa: E731
    else:
        factory = lambda: SMTP(  # noqa: E731
            Handler(), tls_context=ctx, require_starttls=True, auth_required=True,
            authenticator=authenticator, hostname="smtp.test")
    srv = await loop.create_server(factory, "127.0.0.1", 0)
    print(json.dumps({"port": srv.sockets[0].getsockname()[1]}), flush=True)
    await asyncio.sleep(float(lifetime))
    srv.close()


asyncio.run(main())
