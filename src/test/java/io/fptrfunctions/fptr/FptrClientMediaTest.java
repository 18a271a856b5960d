package io.fptrfunctions.fptr;

import io.fptrfunctions.deadline.Deadline;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.fptrfunctions.sim.FptrSimTestResource;
import io.fptrfunctions.sim.SimAdmin;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** File fields (?alt → the 302's Location, not followed), the 3-step upload and webhook acknowledgements. */
@QuarkusTest
class FptrClientMediaTest {

    /** The shared FPTR simulator's admin client. */
    private static final SimAdmin SIM = FptrSimTestResource.admin();

    private static final byte[] BYTES = "not really a png, but bytes all the same".getBytes(StandardCharsets.UTF_8);

    @Inject
    FptrClient fptr;

    @Inject
    FptrTokens tokens;

    @Inject
    TestClock clock;

    @BeforeEach
    void freshSite() {
        FptrSimTestResource.freshSite(clock);
    }

    @Test
    void fieldLocationIsTheRedirectTargetAndIsNotFollowed() {
        SIM.putFile("Shot", 1001, "image", null, "image/png", () -> new ByteArrayInputStream(BYTES));
        SIM.clearRequests();

        URI location = fptr.fieldLocation(Deadline.none(), "Shot", 1001, "image", "original");

        assertTrue(location.isAbsolute(), location.toString());
        assertEquals(0, SIM.count("GET", "/_storage/.*"), "the client did not follow the 302");
        byte[] served = given().urlEncodingEnabled(false).get(location).then().statusCode(200).extract().asByteArray();
        assertArrayEquals(BYTES, served);
        assertTrue(fptr.readField(Deadline.none(), "Shot", 1001, "image").isTextual());
    }

    @Test
    void anEmptyImageHasNoLocation() {
        FptrFailure.Refused e = assertThrows(FptrFailure.Refused.class, () -> fptr.fieldLocation(Deadline.none(), "Shot", 1003, "image", "original"));

        assertEquals(404, e.status());
        assertEquals(FptrFailure.Refused.Kind.NOT_FOUND, e.kind());
        assertTrue(fptr.readField(Deadline.none(), "Shot", 1003, "image").isNull());
    }

    @Test
    void theThreeStepUploadSetsTheField() throws Exception {
        JsonNode start = fptr.startUpload(Deadline.none(), "Shot", 1002, "image", "sh020.png", false);
        URI upload = URI.create(start.path("links").path("upload").asText());
        String complete = start.path("links").path("complete_upload").asText();

        FptrClient.StorageReceipt receipt = fptr.putBytes(Deadline.none(), upload, false, "image/png", BYTES.length, out -> out.write(BYTES));
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(BYTES)), receipt.etag());
        fptr.completeUpload(Deadline.none(), complete, start.path("data"), null);

        URI location = fptr.fieldLocation(Deadline.none(), "Shot", 1002, "image", "original");
        byte[] served = given().urlEncodingEnabled(false).get(location).then().statusCode(200).extract().asByteArray();
        assertArrayEquals(BYTES, served);
    }

    @Test
    void aWebhookDeliveryIsAcknowledged() throws Exception {
        BlockingQueue<String> deliveryIds = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            deliveryIds.add(ex.getRequestHeaders().getFirst("x-sg-delivery-id"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        try {
            SimAdmin site = FptrSimTestResource.admin();
            site.token(tokens.token(Deadline.none(), null).value());
            assertEquals(201, site.postJson("/api/v1.1/webhook/hooks", "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/hook\",\"entity_types\":{\"Shot\":{\"update\":[\"description\"]}}}").status());
            fptr.update(Deadline.none(), "Shot", 1001, new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"description\":\"acked\"}"));
            String deliveryId = deliveryIds.poll(10, TimeUnit.SECONDS);
            assertNotNull(deliveryId, "the simulator delivered the update");
            // The simulator records a delivery from its dispatch; wait for the record all the same.
            for (int i = 0; i < 100 && site.get("/api/v1.1/webhook/deliveries/" + deliveryId).status() != 200; i++) {
                Thread.sleep(50);
            }

            fptr.acknowledgeDelivery(Deadline.none(), deliveryId, "{\"handled\":true}");

            String ack = site.get("/api/v1.1/webhook/deliveries/" + deliveryId).json().at("/data/acknowledgement").asText();
            assertEquals("{\"handled\":true}", ack);
            FptrFailure.Refused tooLong = assertThrows(FptrFailure.Refused.class, () -> fptr.acknowledgeDelivery(Deadline.none(), deliveryId, "x".repeat(4097)));
            assertEquals(400, tooLong.status());
        } finally {
            receiver.stop(0);
        }
    }
}
