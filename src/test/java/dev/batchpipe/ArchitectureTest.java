package dev.batchpipe;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.batchpipe.sandbox.Sandbox;

/**
 * The package rules of the design card, checked on the main classes: {@code api} (REST, auth, health), {@code cli},
 * {@code intake}, {@code pipeline} (pack, submit, poll, ingest, schedules), {@code provider} (adapters),
 * {@code store} (the database only), {@code task}, {@code cost}, and {@code sandbox}, fenced behind one interface.
 */
@AnalyzeClasses(packages = "dev.batchpipe", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** The emulator is two fifths of the code and no part of the product: the product sees only its launcher. */
    @ArchTest
    static final ArchRule onlyTheLauncherOfTheSandboxIsSeen = noClasses()
            .that().resideOutsideOfPackage("dev.batchpipe.sandbox..")
            .should().dependOnClassesThat(resideInAPackage("dev.batchpipe.sandbox..").and(not(equivalentTo(Sandbox.class))))
            .because("the sandbox is reached only through dev.batchpipe.sandbox.Sandbox");

    /** ... and the emulator knows nothing of the product, so it could be lifted out as it is. */
    @ArchTest
    static final ArchRule theSandboxStandsAlone = noClasses()
            .that().resideInAPackage("dev.batchpipe.sandbox..")
            .should().dependOnClassesThat(resideInAPackage("dev.batchpipe..")
                    .and(not(resideInAPackage("dev.batchpipe.sandbox.."))));

    @ArchTest
    static final ArchRule theStoreIsTheDatabaseOnly = noClasses()
            .that().resideInAPackage("dev.batchpipe.store..")
            .should().dependOnClassesThat(resideInAPackage("dev.batchpipe..")
                    .and(not(resideInAPackage("dev.batchpipe")))
                    .and(not(resideInAPackage("dev.batchpipe.store.."))))
            .because("store/ holds the database only; it may use the root package (StartupException, ...)");

    @ArchTest
    static final ArchRule providersAreAdaptersOnly = noClasses()
            .that().resideInAPackage("dev.batchpipe.provider..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.batchpipe.pipeline..", "dev.batchpipe.intake..",
                    "dev.batchpipe.api..", "dev.batchpipe.cli..", "dev.batchpipe.store..");

    @ArchTest
    static final ArchRule tasksAndCostsKnowNoStage = noClasses()
            .that().resideInAnyPackage("dev.batchpipe.task..", "dev.batchpipe.cost..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.batchpipe.pipeline..", "dev.batchpipe.intake..",
                    "dev.batchpipe.api..", "dev.batchpipe.cli..");

    @ArchTest
    static final ArchRule stagesKnowNoFrontEnd = noClasses()
            .that().resideInAnyPackage("dev.batchpipe.pipeline..", "dev.batchpipe.intake..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.batchpipe.api..", "dev.batchpipe.cli..");

    @ArchTest
    static final ArchRule onlyTheMainClassKnowsTheCli = noClasses()
            .that().resideOutsideOfPackage("dev.batchpipe.cli..")
            .and().doNotHaveFullyQualifiedName(Batchpipe.class.getName())
            .should().dependOnClassesThat().resideInAPackage("dev.batchpipe.cli..");
}
