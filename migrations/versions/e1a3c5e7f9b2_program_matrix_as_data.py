"""The results matrix as data: per level dimension, type, means of verification, assumptions, risks and
whether a component is conditional and applies this year; traffic-light thresholds per program year

Revision ID: e1a3c5e7f9b2
Revises: d0f2b4c6e8a1
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e1a3c5e7f9b2'
down_revision = 'd0f2b4c6e8a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('program_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('threshold_green', sa.Integer(), nullable=False, server_default='85'))
        batch_op.add_column(sa.Column('threshold_yellow', sa.Integer(), nullable=False, server_default='70'))
        batch_op.create_check_constraint(
            op.f('ck_program_year_thresholds_ordered'), 'threshold_yellow >= 0 AND threshold_yellow <= threshold_green '
            'AND threshold_green <= 100')
    with op.batch_alter_table('program_component', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dimension', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('indicator_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('verification', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('assumptions', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('risks', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('conditional', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('applies', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_check_constraint(
            op.f('ck_program_component_dimension_known'), "dimension IS NULL OR dimension IN ('eficacia', 'eficiencia', 'calidad', 'economia')")
        batch_op.create_check_constraint(
            op.f('ck_program_component_indicator_type_known'), "indicator_type IS NULL OR indicator_type IN ('estrategico', 'desempeno')")
        batch_op.create_check_constraint(op.f('ck_program_component_applies_only_if_conditional'), 'applies OR conditional')


def downgrade():
    with op.batch_alter_table('program_component', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_program_component_applies_only_if_conditional'), type_='check')
        batch_op.drop_constraint(op.f('ck_program_component_indicator_type_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_program_component_dimension_known'), type_='check')
        for column in ('applies', 'conditional', 'risks', 'assumptions', 'verification', 'indicator_type',
                       'dimension'):
            batch_op.drop_column(column)
    with op.batch_alter_table('program_year', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_program_year_thresholds_ordered'), type_='check')
        batch_op.drop_column('threshold_yellow')
        batch_op.drop_column('threshold_green')
