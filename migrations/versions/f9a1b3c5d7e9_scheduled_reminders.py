"""scheduled daily survey reminders (issue 16)

Revision ID: f9a1b3c5d7e9
Revises: e8f0a2b4c6d8
Create Date: 2026-12-05 03:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'f9a1b3c5d7e9'
down_revision = 'e8f0a2b4c6d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_reminder_schedule',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=False),
    sa.Column('last_run_on', sa.Date(), nullable=True),
    sa.Column('last_run_at', sa.DateTime(), nullable=True),
    sa.Column('last_result', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('hour >= 0 AND hour <= 23', name=op.f('ck_survey_reminder_schedule_hour_range')),
    sa.CheckConstraint('every_days >= 1', name=op.f('ck_survey_reminder_schedule_every_days_positive')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_reminder_schedule_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_survey_reminder_schedule_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_survey_reminder_schedule'))
    )


def downgrade():
    op.drop_table('survey_reminder_schedule')
