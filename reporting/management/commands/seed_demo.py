"""Create (or bring up to date) the demo organisation, people and activity."""

from django.core.management.base import BaseCommand

import deviations.demo
import reporting.demo
import units.demo


class Command(BaseCommand):
    help = (
        "Create NTNU's demo organisation with people and roles (password 'demo'), and "
        "demo activity in every module. Safe to run again."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--bare",
            action="store_true",
            help="Only the organisation, people and reference data: no "
            "answers, deviations, assessments or other activity.",
        )

    def handle(self, *args, bare: bool = False, **options):  # type: ignore[no-untyped-def]
        org = units.demo.seed_organisation()
        self.stdout.write(
            f"Organisation: {org.units} units, {org.users} users and "
            f"{org.roles} role assignments created."
        )
        years = reporting.demo.seed_questionnaires()
        self.stdout.write(f"Questionnaires created for: {', '.join(map(str, years)) or 'none'}.")
        schemes = deviations.demo.seed_categories()
        self.stdout.write(f"Deviation category schemes: {schemes.old.name}; {schemes.new.name}.")
        if bare:
            self.stdout.write("Bare: no activity created.")
            return
        responses = reporting.demo.seed_responses()
        self.stdout.write(
            f"Self-report responses created for: {', '.join(map(str, responses)) or 'none'}."
        )
        for r in reporting.demo.seed_rounds():
            state = "in progress" if r.in_progress else "closed"
            self.stdout.write(
                f"Self-report round {r.year} {state}: {r.units} units, {r.submitted} "
                f"submitted ({r.confirmed} confirmed), {r.drafts} answering."
            )
        seeded = deviations.demo.seed_deviations()
        if seeded.years:
            self.stdout.write(
                f"Deviations: {seeded.deviations} reports with {seeded.injuries} "
                f"injuries created for {seeded.years[0]}–{seeded.years[-1]}."
            )
        else:
            self.stdout.write("Deviations: already seeded.")
        work = units.demo.seed_hse_work()
        self.stdout.write(
            f"HSE work: {work.goals} goals, {work.delegations} delegations, "
            f"{work.meetings} meetings created."
        )
