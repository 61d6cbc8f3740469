package dev.switchboard.engine.providers;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.constructors;

import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaConstructor;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * A provider is built only through its package's {@link ProviderFactory}: no class outside a
 * provider's package (the gateway, the router, another provider, a test elsewhere) calls or refers
 * to its constructor, so every provider is registered the one way, from a {@link ProviderContext}.
 * The engine's main and test classes are both read: a test in the provider's own package may
 * construct it; any other goes through the factory.
 */
@AnalyzeClasses(
    packages = "dev.switchboard.engine",
    importOptions = ImportOption.DoNotIncludeJars.class)
class ProvidersAreBuiltByTheirFactoriesTest {

  @ArchTest
  static final ArchRule providersAreConstructedOnlyInTheirOwnPackage =
      constructors()
          .that()
          .areDeclaredInClassesThat()
          .implement(Provider.class)
          .should(beAccessedOnlyFromTheirOwnPackage())
          .because("a provider is built through its package's ProviderFactory");

  private static ArchCondition<JavaConstructor> beAccessedOnlyFromTheirOwnPackage() {
    return new ArchCondition<>("be called only from their own package") {
      @Override
      public void check(JavaConstructor constructor, ConditionEvents events) {
        String home = constructor.getOwner().getPackageName();
        for (JavaAccess<?> access : constructor.getAccessesToSelf()) {
          if (!access.getOriginOwner().getPackageName().equals(home)) {
            events.add(SimpleConditionEvent.violated(access, access.getDescription()));
          }
        }
      }
    };
  }
}
