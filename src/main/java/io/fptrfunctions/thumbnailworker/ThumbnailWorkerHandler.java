package io.fptrfunctions.thumbnailworker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.lifecycle.FirstCall;
import io.fptrfunctions.telemetry.Invocations;
import io.fptrfunctions.deadline.LambdaDeadlines;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.inject.Inject;
import jakarta.inject.Named;

import java.util.List;

/**
 * The thumbnail job queue's consumer (an SQS event source with {@code ReportBatchItemFailures}): the
 * batch goes to {@link ThumbnailWorker}, and the messages it leaves on the queue are the answer's
 * {@code batchItemFailures}; Lambda deletes the others. The batch runs within the invocation's deadline
 * (Lambda's remaining time less {@code fptr.deadline.margin}, as the HTTP functions do).
 */
@Named(ThumbnailWorkerHandler.FUNCTION)
@RegisterForReflection(targets = {SQSEvent.class, SQSEvent.SQSMessage.class, SQSEvent.MessageAttribute.class,
        SQSBatchResponse.class, SQSBatchResponse.BatchItemFailure.class})
public class ThumbnailWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, FirstCall {

    /** The handler's name: what QUARKUS_LAMBDA_HANDLER picks, and the function in log lines and metrics. */
    static final String FUNCTION = "thumbnail-worker";

    @Inject
    ThumbnailWorker worker;

    @Inject
    FptrClient fptr;

    @Inject
    Invocations invocations;

    @Inject
    LambdaDeadlines deadlines;

    /** Every job reads FPTR with the script's own token. */
    @Override
    public List<Runnable> prefetches() {
        return List.of(fptr::prefetch);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return invocations.run(FUNCTION, context, () -> JobMessage.leaving(worker.runInvocation(JobMessage.batch(event), deadlines.of(context))));
    }
}
