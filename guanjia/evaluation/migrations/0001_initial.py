# Staff evaluation takes over the models `staff` drafted, awarded and recorded them with, without
# touching the database: the tables keep their names (`Meta.db_table`), only the migration state
# changes (the `staff` app let go of them in `staff.0004_evaluation_moves_out`). The content types
# are renamed from app_label 'staff' to 'evaluation', so the change journal (`core.ObjectChange`),
# the admin's log and the permissions keep pointing at the same rows.

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models

MOVED = ['rankingsheet', 'rankingrow', 'staffaward', 'trainingrecord']


def _relabel(apps, schema_editor, old, new):
    """Point the moved models' content types at their new app label, where one exists under the old
    label and none under the new (on a fresh database there is none yet: `migrate` creates them
    afterwards, directly under the new label)."""
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db).filter(app_label=new, model__in=MOVED).values_list('model', flat=True)
    )
    ContentType.objects.using(db).filter(app_label=old, model__in=set(MOVED) - taken).update(app_label=new)
    ContentType.objects.clear_cache()


def staff_to_evaluation(apps, schema_editor):
    _relabel(apps, schema_editor, 'staff', 'evaluation')


def evaluation_to_staff(apps, schema_editor):
    _relabel(apps, schema_editor, 'evaluation', 'staff')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0001_initial'),
        ('estates', '0001_initial'),
        ('staff', '0004_evaluation_moves_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RankingSheet',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('quarter', models.CharField(max_length=6, validators=[django.core.validators.RegexValidator('^\\d{4}Q[1-4]$', '季度格式应为 YYYYQn，如 2026Q1')], verbose_name='季度')),
                        ('status', models.CharField(choices=[('draft', '草稿'), ('published', '已发布')], default='draft', max_length=10, verbose_name='状态')),
                        ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='发布时间')),
                        ('note', models.TextField(blank=True, max_length=2000, verbose_name='说明')),
                        ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='公司')),
                        ('drafted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='staff.staffmember', verbose_name='编制人')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='estates.project', verbose_name='项目')),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='staff.staffmember', verbose_name='发布人')),
                    ],
                    options={
                        'verbose_name': '季度排名表',
                        'verbose_name_plural': '季度排名表',
                        'db_table': 'staff_rankingsheet',
                        'ordering': ['-quarter', 'project_id'],
                    },
                ),
                migrations.CreateModel(
                    name='RankingRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('rank', models.PositiveSmallIntegerField(verbose_name='名次')),
                        ('handled', models.PositiveIntegerField(default=0, verbose_name='完成工单')),
                        ('deadlines_done', models.PositiveIntegerField(default=0, verbose_name='时限完成数')),
                        ('deadlines_on_time', models.PositiveIntegerField(default=0, verbose_name='按时完成数')),
                        ('ratings', models.PositiveIntegerField(default=0, verbose_name='评价数')),
                        ('rating_mean', models.DecimalField(blank=True, decimal_places=2, max_digits=3, null=True, verbose_name='平均评分')),
                        ('answered', models.PositiveIntegerField(default=0, verbose_name='回访数')),
                        ('satisfied', models.PositiveIntegerField(default=0, verbose_name='回访满意数')),
                        ('complaints', models.PositiveIntegerField(default=0, verbose_name='被投诉')),
                        ('rework', models.PositiveIntegerField(default=0, verbose_name='返工')),
                        ('most_complained', models.BooleanField(default=False, verbose_name='被投诉最多')),
                        ('remark', models.TextField(blank=True, max_length=1000, verbose_name='评语')),
                        ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='公司')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='estates.project', verbose_name='项目')),
                        ('staff', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='staff.staffmember', verbose_name='员工')),
                        ('sheet', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='evaluation.rankingsheet')),
                    ],
                    options={
                        'verbose_name': '排名行',
                        'verbose_name_plural': '排名行',
                        'db_table': 'staff_rankingrow',
                        'ordering': ['sheet_id', 'rank'],
                    },
                ),
                migrations.CreateModel(
                    name='StaffAward',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('kind', models.CharField(choices=[('service_star', '服务之星'), ('smile_ambassador', '微笑大使'), ('technical_expert', '技术能手')], max_length=20, verbose_name='奖项')),
                        ('period', models.CharField(max_length=6, validators=[django.core.validators.RegexValidator('^\\d{4}Q[1-4]$', '季度格式应为 YYYYQn，如 2026Q1')], verbose_name='季度')),
                        ('citation', models.CharField(max_length=300, verbose_name='事迹')),
                        ('awarded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='staff.staffmember', verbose_name='评选人')),
                        ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='公司')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='estates.project', verbose_name='项目')),
                        ('staff', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='awards', to='staff.staffmember', verbose_name='获奖员工')),
                    ],
                    options={
                        'verbose_name': '服务之星',
                        'verbose_name_plural': '服务之星',
                        'db_table': 'staff_staffaward',
                        'ordering': ['-period', 'kind'],
                    },
                ),
                migrations.CreateModel(
                    name='TrainingRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('course', models.CharField(max_length=100, verbose_name='课程')),
                        ('trained_on', models.DateField(verbose_name='培训日期')),
                        ('hours', models.DecimalField(decimal_places=2, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='学时')),
                        ('result', models.CharField(choices=[('passed', '合格'), ('failed', '不合格'), ('attended', '已参加(无考核)')], max_length=10, verbose_name='结果')),
                        ('trainer', models.CharField(blank=True, max_length=60, verbose_name='培训师/机构')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                        ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='公司')),
                        ('staff', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='trainings', to='staff.staffmember', verbose_name='员工')),
                    ],
                    options={
                        'verbose_name': '培训记录',
                        'verbose_name_plural': '培训记录',
                        'db_table': 'staff_trainingrecord',
                        'ordering': ['-trained_on', '-id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='rankingsheet',
                    index=models.Index(fields=['company', '-quarter'], name='ranking_company_quarter_idx'),
                ),
                migrations.AddConstraint(
                    model_name='rankingsheet',
                    constraint=models.UniqueConstraint(fields=('project', 'quarter'), name='ranking_sheet_once_per_quarter'),
                ),
                migrations.AddConstraint(
                    model_name='rankingrow',
                    constraint=models.UniqueConstraint(fields=('sheet', 'staff'), name='ranking_row_unique'),
                ),
                migrations.AddIndex(
                    model_name='staffaward',
                    index=models.Index(fields=['company', '-period'], name='staff_award_period_idx'),
                ),
                migrations.AddConstraint(
                    model_name='staffaward',
                    constraint=models.UniqueConstraint(fields=('project', 'kind', 'period'), name='staff_award_once_per_period'),
                ),
                migrations.AddIndex(
                    model_name='trainingrecord',
                    index=models.Index(fields=['staff', '-trained_on'], name='training_staff_date_idx'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(staff_to_evaluation, evaluation_to_staff),
    ]
