package io.fptrfunctions.thumbnailworker;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import software.amazon.awssdk.services.sqs.model.Message;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Lambda's SQS event source, for the workers' tests: the event it builds for received messages, and what the answer leaves. */
public final class SqsEvents {

    private SqsEvents() {
    }

    /** The SQS event Lambda builds for one message received from {@code queueName} (in moto's account). */
    public static SQSEvent of(Message m, String queueName) {
        return of(List.of(m), queueName);
    }

    /** The SQS event Lambda builds for these messages received from {@code queueName}, their attributes included. */
    public static SQSEvent of(List<Message> messages, String queueName) {
        SQSEvent event = new SQSEvent();
        event.setRecords(messages.stream().map(m -> record(m, queueName)).toList());
        return event;
    }

    /** The ids the answer reports as batch item failures: the messages Lambda leaves on the queue. */
    public static List<String> failures(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    private static SQSEvent.SQSMessage record(Message m, String queueName) {
        SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
        r.setMessageId(m.messageId());
        r.setReceiptHandle(m.receiptHandle());
        r.setBody(m.body());
        r.setAttributes(m.attributesAsStrings());
        Map<String, SQSEvent.MessageAttribute> attributes = new HashMap<>();
        m.messageAttributes().forEach((name, v) -> {
            SQSEvent.MessageAttribute a = new SQSEvent.MessageAttribute();
            a.setStringValue(v.stringValue());
            a.setDataType(v.dataType());
            attributes.put(name, a);
        });
        r.setMessageAttributes(attributes);
        r.setMd5OfBody(m.md5OfBody());
        r.setEventSource("aws:sqs");
        r.setEventSourceArn("arn:aws:sqs:us-east-1:123456789012:" + queueName);
        r.setAwsRegion("us-east-1");
        return r;
    }
}
