package io.fptrfunctions.http;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

import java.util.UUID;

/**
 * A Lambda context as the runtime gives one: a request id of its own, and a deadline whose remaining time
 * counts down, or none (a remaining time of 0, which the functions read as none sent, as from Quarkus's
 * mock event server).
 */
public final class TestLambdaContext implements Context {

    private final String function;
    /** 0: no deadline. */
    private final long deadlineMillis;
    private final String requestId = UUID.randomUUID().toString();

    private TestLambdaContext(String function, long deadlineMillis) {
        this.function = function;
        this.deadlineMillis = deadlineMillis;
    }

    /** A context whose invocation times out {@code remainingMillis} from now. */
    public static Context withRemaining(long remainingMillis) {
        return new TestLambdaContext("test", System.currentTimeMillis() + remainingMillis);
    }

    /** A new invocation of {@code function}, without a deadline. */
    public static Context invocation(String function) {
        return new TestLambdaContext(function, 0);
    }

    @Override
    public int getRemainingTimeInMillis() {
        return deadlineMillis == 0 ? 0 : (int) (deadlineMillis - System.currentTimeMillis());
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + function;
    }

    @Override
    public String getLogStreamName() {
        return "test";
    }

    @Override
    public String getFunctionName() {
        return function;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:us-east-1:123456789012:function:" + function;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getMemoryLimitInMB() {
        return 512;
    }

    @Override
    public LambdaLogger getLogger() {
        return null;
    }
}
