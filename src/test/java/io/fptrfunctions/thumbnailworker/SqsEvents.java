package io.fptrfunctions.thumbnailworker;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import software.amazon.awssdk.services.sqs.model.Message;

import java.util.List;
import java.util.Map;

/** Lambda's SQS event source, for the workers' tests: the event it builds for a received message, and what the answer leaves. */
public final class SqsEvents {

    private SqsEvents() {
    }

    /** The SQS event Lambda builds for one message received from {@code queueName} (in moto's account). */
    public static SQSEvent of(Message m, String queueName) {
        SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
        r.setMessageId(m.messageId());
        r.setReceiptHandle(m.receiptHandle());
        r.setBody(m.body());
        r.setAttributes(m.attributesAsStrings());
        r.setMessageAttributes(Map.of());
        r.setEventSource("aws:sqs");
        r.setEventSourceArn("arn:aws:sqs:us-east-1:123456789012:" + queueName);
        r.setAwsRegion("us-east-1");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(r));
        return event;
    }

    /** The ids the answer reports as batch item failures: the messages Lambda leaves on the queue. */
    public static List<String> failures(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }
}
