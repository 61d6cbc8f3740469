package dev.switchboard.engine.providers.bedrock;

import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.engine.providers.Target;

/**
 * The AWS credentials and region one Bedrock call is signed with, read from the target's options.
 * Its {@code toString} never shows the secret or the session token.
 */
record BedrockAccess(
    String accessKeyId, String secretAccessKey, String sessionToken, String region) {

  static final String ACCESS_KEY_ID = "aws_access_key_id";
  static final String SECRET_ACCESS_KEY = "aws_secret_access_key";
  static final String SESSION_TOKEN = "aws_session_token";
  static final String REGION = "aws_region";

  /**
   * The target's credentials and region.
   *
   * @throws InvalidRequestException naming the header to send when the access key, the secret or
   *     the region is missing
   */
  static BedrockAccess of(Target target) {
    return new BedrockAccess(
        required(target, ACCESS_KEY_ID),
        required(target, SECRET_ACCESS_KEY),
        blankToNull(target.option(SESSION_TOKEN)),
        region(target));
  }

  /**
   * An AWS region's name ({@code us-east-1}): it becomes the endpoint's host name, so nothing else
   * (a dot, a colon, a slash) may move the call to another host.
   */
  private static final java.util.regex.Pattern REGION_NAME =
      java.util.regex.Pattern.compile("[a-z0-9-]{1,40}");

  private static String region(Target target) {
    String region = required(target, REGION);
    if (!REGION_NAME.matcher(region).matches()) {
      throw new InvalidRequestException(
          "Invalid AWS region: use the region's name (lowercase letters, digits and hyphens, e.g."
              + " us-east-1).",
          ProviderOptions.header(REGION),
          null);
    }
    return region;
  }

  private static String required(Target target, String option) {
    String value = blankToNull(target.option(option));
    if (value == null) {
      String header = ProviderOptions.header(option);
      throw new InvalidRequestException(
          "The bedrock provider needs "
              + option
              + ": send the "
              + header
              + " header, or set "
              + option
              + " on the config target.",
          header,
          null);
    }
    return value;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  @Override
  public String toString() {
    return "BedrockAccess[accessKeyId="
        + accessKeyId
        + ", secretAccessKey=redacted, sessionToken="
        + (sessionToken == null ? "none" : "redacted")
        + ", region="
        + region
        + "]";
  }
}
