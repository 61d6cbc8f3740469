package dev.switchboard.engine.providers.bedrock;

import dev.switchboard.engine.errors.InvalidRequestException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A Bedrock model id as the client sent it: a foundation model ({@code
 * anthropic.claude-3-5-sonnet-20240620-v1:0}), a cross-region inference profile ({@code
 * us.anthropic…}) or an ARN. The vendor (the part before the first dot, once the profile's region
 * prefix and an ARN's path are taken off) picks the vendor-specific request fields, as Portkey's
 * {@code getConfig} does.
 */
record BedrockModel(String id) {
  // https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference-support.html
  private static final Pattern REGION_PREFIX =
      Pattern.compile("^(us|eu|apac|au|ca|jp|global|us-gov)\\.");

  static BedrockModel of(String model) {
    if (model == null || model.isBlank()) {
      throw new InvalidRequestException(
          "The bedrock provider needs a model: a Bedrock model id, inference profile or ARN.",
          "model",
          null);
    }
    return new BedrockModel(model.strip());
  }

  /** The model id as one path segment, percent-encoded as AWS requires (ARNs, {@code :}). */
  String pathSegment() {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code anthropic}, {@code amazon}, {@code cohere}, {@code meta}, … or "" when unknown. */
  String vendor() {
    String model = id;
    int foundation = model.indexOf("foundation-model/");
    if (foundation >= 0) {
      model = model.substring(foundation + "foundation-model/".length());
    } else if (model.startsWith("arn:")) {
      // An inference profile or provisioned model ARN does not name its vendor; Portkey looks it up
      // with a control-plane call, which this gateway does not make.
      return "";
    }
    model = REGION_PREFIX.matcher(model).replaceFirst("");
    int dot = model.indexOf('.');
    return dot < 0 ? "" : model.substring(0, dot).toLowerCase(Locale.ROOT);
  }
}
