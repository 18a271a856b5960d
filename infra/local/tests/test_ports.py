"""The local stack's moto_server port: found free by bind-and-close, it can be taken before moto binds it
(another stack starting beside this one). moto then exits at once, and the stack starts it on another."""

import socket
import tempfile
import unittest
import urllib.request
from pathlib import Path

from stack.launcher import LocalStack, parse_args


class MotoPortTest(unittest.TestCase):
    def setUp(self):
        self.stack = LocalStack(parse_args(["--work-dir", tempfile.mkdtemp(prefix="ports-test-")]))
        self.taken = socket.socket()
        self.taken.bind(("127.0.0.1", 0))
        self.taken.listen()
        self.port = self.taken.getsockname()[1]

    def tearDown(self):
        self.taken.close()
        if self.stack.moto and self.stack.moto.alive():
            self.stack.moto.process.terminate()
            self.stack.moto.process.wait(30)

    def test_a_port_taken_before_moto_binds_it_gives_moto_another(self):
        self.stack.logs.mkdir(parents=True)
        self.stack.moto = self.stack._moto(self.port).start()
        url = self.stack._wait_for_moto(self.port)
        self.assertNotEqual(f"http://127.0.0.1:{self.port}", url)
        with urllib.request.urlopen(url + "/moto-api/", timeout=10) as answer:
            self.assertEqual(200, answer.status)

    def test_a_port_given_with_aws_port_is_not_changed(self):
        self.stack.args.aws_port = self.port
        self.stack.logs.mkdir(parents=True)
        self.stack.moto = self.stack._moto(self.port).start()
        with self.assertRaisesRegex(RuntimeError, "moto_server exited before it was ready"):
            self.stack._wait_for_moto(self.port)


if __name__ == "__main__":
    unittest.main()
