package io.fptrfunctions.http;

/**
 * Who called, as API Gateway's IAM authoriser saw it ({@code requestContext.authorizer.iam.userArn}):
 * the ARN as given and the IAM principal behind it. A role session
 * ({@code arn:aws:sts::123456789012:assumed-role/Pipeline/session-1}) is the role
 * ({@code arn:aws:iam::123456789012:role/Pipeline}), so every session of a role is the same caller; any
 * other ARN (a user, root, a federated user) is its own principal. Without IAM (an open route, a
 * hand-made event) both are {@link #ANONYMOUS}. Never a secret: audit lines and keys are made of it.
 */
public record Caller(String arn, String principal) {

    public static final String ANONYMOUS = "anonymous";
    /** IAM's own limit on an ARN is 2048 characters; anything longer is not one. */
    private static final int MAX_ARN = 2048;

    public static Caller of(String userArn) {
        if (userArn == null || userArn.isBlank() || userArn.length() > MAX_ARN) {
            return new Caller(ANONYMOUS, ANONYMOUS);
        }
        return new Caller(userArn, principalOf(userArn));
    }

    /** {@code arn:<partition>:sts::<account>:assumed-role/<role>/<session>} → {@code arn:<partition>:iam::<account>:role/<role>}. */
    static String principalOf(String arn) {
        String[] parts = arn.split(":", 6);
        if (parts.length == 6 && parts[0].equals("arn") && parts[2].equals("sts") && parts[5].startsWith("assumed-role/")) {
            String[] resource = parts[5].split("/", 3);
            if (resource.length == 3 && !resource[1].isEmpty()) {
                return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + resource[1];
            }
        }
        return arn;
    }

    public boolean isAnonymous() {
        return ANONYMOUS.equals(arn);
    }
}
