package dev.switchboard.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.switchboard.engine.pipeline.Attempt;
import dev.switchboard.engine.pipeline.AttemptEntry;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.Journal;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Routing;
import dev.switchboard.engine.pipeline.Stage;

/**
 * The engine's shape, held by the build: the pipeline points at no concern, stages receive the
 * immutable request or attempt, and a concern writes its facts into the request's log without
 * reading another's from it.
 */
@AnalyzeClasses(
    packages = "dev.switchboard.engine",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  /** The packages that each own one concern and plug into the pipeline as stages. */
  private static final String[] CONCERNS = {
    "..engine.routing..",
    "..engine.cache..",
    "..engine.guardrails..",
    "..engine.pricing..",
    "..engine.observe..",
    "..engine.access.."
  };

  @ArchTest
  static final ArchRule pipelineDependsOnNoConcern =
      noClasses()
          .that()
          .resideInAPackage("..engine.pipeline..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(CONCERNS)
          .because(
              "the pipeline is what the concerns plug into: an arrow from it into one ties every"
                  + " stage to that concern");

  @ArchTest
  static final ArchRule requestStagesReceiveTheRequest =
      methods()
          .that()
          .haveName("handle")
          .and()
          .areDeclaredInClassesThat()
          .implement(Stage.class)
          .should()
          .haveRawParameterTypes(Request.class, Stage.Chain.class)
          .because("a request stage receives the immutable request, never a shared holder");

  @ArchTest
  static final ArchRule attemptStagesReceiveTheAttempt =
      methods()
          .that()
          .haveName("handle")
          .and()
          .areDeclaredInClassesThat()
          .implement(AttemptStage.class)
          .should()
          .haveRawParameterTypes(Attempt.class, AttemptStage.Chain.class)
          .because("an attempt stage receives the immutable attempt, never a shared holder");

  @ArchTest
  static final ArchRule theRouterReceivesTheRequest =
      methods()
          .that()
          .haveName("route")
          .and()
          .areDeclaredInClassesThat()
          .implement(Routing.class)
          .should()
          .haveRawParameterTypes(Request.class, AttemptStage.Chain.class);

  @ArchTest
  static final ArchRule whatFlowsDownIsImmutable =
      classes()
          .that()
          .areAssignableTo(Request.class)
          .or()
          .areAssignableTo(Attempt.class)
          .or()
          .areAssignableTo(Outcome.class)
          .or()
          .areAssignableTo(Outcome.Origin.class)
          .should()
          .haveOnlyFinalFields()
          .because("a stage that changes what is sent proceeds with a changed copy");

  @ArchTest
  static final ArchRule concernsWriteTheLogAndReadNoFactFromIt =
      noClasses()
          .that()
          .resideInAnyPackage(
              "..engine.routing..",
              "..engine.cache..",
              "..engine.guardrails..",
              "..engine.pricing..",
              "..engine.access..")
          .should()
          .callMethodWhere(readsTheLog())
          .because(
              "a stage's facts go down in the request or attempt and up in the outcome; the log's"
                  + " facts are read by its views (the record, the response's facts) only");

  /** A call of one of the log's readers: a method of it without parameters that returns a fact. */
  private static DescribedPredicate<JavaMethodCall> readsTheLog() {
    return DescribedPredicate.describe(
        "a reader of the request's log (Journal, AttemptEntry)",
        call ->
            (call.getTargetOwner().isEquivalentTo(Journal.class)
                    || call.getTargetOwner().isEquivalentTo(AttemptEntry.class))
                && call.getTarget().getRawParameterTypes().isEmpty()
                && !call.getTarget().getRawReturnType().isEquivalentTo(void.class));
  }
}
