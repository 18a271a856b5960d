"""The /docs page: Swagger UI's files and openapi.yaml with the stack as its server, through the gateway."""

import http.client
import json
import tempfile
import unittest
from pathlib import Path

from stack.docs import DocsSite
from stack.gateway import Gateway

REPO = Path(__file__).resolve().parents[3]


class DocsSiteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dist = Path(tempfile.mkdtemp())
        (cls.dist / "swagger-ui-bundle.js").write_text("window.SwaggerUIBundle = function () {};")
        (cls.dist / "swagger-ui.css").write_text("body {}")
        (cls.dist / "package.json").write_text("{}")
        site = DocsSite(REPO / "openapi.yaml", REPO / "infra/docs/index.html", cls.dist)
        cls.gateway = Gateway(0, docs=site)
        cls.gateway.start([], {})

    @classmethod
    def tearDownClass(cls):
        cls.gateway.close()

    def get(self, path, host=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.gateway.port, timeout=10)
        connection.request("GET", path, headers={"Host": host} if host else {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def test_the_page_loads_swagger_ui_over_the_document(self):
        response, data = self.get("/docs")
        self.assertEqual(response.status, 200)
        self.assertTrue(response.getheader("Content-Type").startswith("text/html"))
        self.assertIn(b"/docs/swagger-ui-bundle.js", data)
        self.assertIn(b"/docs/openapi.json", data)
        response, data = self.get("/docs/swagger-ui-bundle.js")
        self.assertEqual((response.status, data), (200, b"window.SwaggerUIBundle = function () {};"))

    def test_the_document_has_the_stack_as_its_only_server(self):
        response, data = self.get("/docs/openapi.json", host=f"localhost:{self.gateway.port}")
        doc = json.loads(data)
        self.assertEqual(doc["servers"], [{"url": f"http://localhost:{self.gateway.port}",
                                           "description": "This local stack (infra/local/up)"}])
        self.assertIn("/v1/token", doc["paths"])
        # a Host that is not loopback is not echoed into the page's server
        doc = json.loads(self.get("/docs/openapi.json", host="evil.example:80")[1])
        self.assertEqual(doc["servers"][0]["url"], f"http://127.0.0.1:{self.gateway.port}")

    def test_nothing_else_of_the_folder_is_served(self):
        for path in ("/docs/package.json", "/docs/../pom.xml", "/docs/x/../../template.yaml", "/docsx"):
            response, _ = self.get(path)
            self.assertEqual(response.status, 404, path)

    def test_without_swagger_ui_the_page_says_why(self):
        site = DocsSite(REPO / "openapi.yaml", REPO / "infra/docs/index.html", None, "npm is not on PATH")
        status, _, body = site.serve("GET", "/docs", None, 8080)
        self.assertEqual(status, 503)
        self.assertIn(b"npm is not on PATH", body)


if __name__ == "__main__":
    unittest.main()
