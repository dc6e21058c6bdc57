"""An aiosmtpd handler for tierwise's tests: a real SMTP server that answers the first
FAILURES DATA commands with CODE (451: try again later, 550: rejected), then stores every
message in a Maildir like aiosmtpd.handlers.Mailbox.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c flaky_smtp.Flaky MAILDIR FAILURES CODE
"""
from aiosmtpd.handlers import Mailbox


class Flaky(Mailbox):
    def __init__(self, maildir, failures, code):
        super().__init__(maildir)
        self.left = int(failures)
        self.code = code

    async def handle_DATA(self, server, session, envelope):
        if self.left > 0:
            self.left -= 1
            if self.code.startswith("4"):
                return f"{self.code} 4.3.0 Try again later"
            return f"{self.code} 5.7.1 Message rejected"
        return await super().handle_DATA(server, session, envelope)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 3:
            parser.error("Flaky takes MAILDIR FAILURES CODE")
        return cls(*args)


class NoNoop(Mailbox):
    """Accepts connections but refuses NOOP (a half-broken relay): `tierwise check` must fail.

        python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c flaky_smtp.NoNoop MAILDIR
    """

    async def handle_NOOP(self, server, session, envelope, arg):
        return "554 5.3.0 NOOP refused"
