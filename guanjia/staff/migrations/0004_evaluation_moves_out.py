# The evaluation models (ranking sheets and rows, service-star awards, training records) move to the
# `evaluation` app, which sits above tickets, sla and boards. Their tables stay where they are, under
# their names (staff_rankingsheet …): this migration only drops them from the `staff` app's state;
# `evaluation.0001_initial` takes them over with `Meta.db_table` and renames their content types.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0003_staff_evaluation'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # The rows first: they point at the sheets.
                migrations.DeleteModel(name='RankingRow'),
                migrations.DeleteModel(name='RankingSheet'),
                migrations.DeleteModel(name='StaffAward'),
                migrations.DeleteModel(name='TrainingRecord'),
            ],
            database_operations=[],
        ),
    ]
