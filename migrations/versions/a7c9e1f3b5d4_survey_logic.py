"""Survey logic: question.logic (XLSForm expressions, messages, parameters), choice.extra (the choices
sheet's other columns, read by choice filters), the standard's other question types, question names up to 255
characters (a reused name is kept as its path), choice names no longer unique per question,
answer.instance (the instance of a repeat an answer belongs to)

Revision ID: a7c9e1f3b5d4
Revises: f6a8b0d2c4e3
Create Date: 2026-12-04 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c9e1f3b5d4'
down_revision = 'f6a8b0d2c4e3'
branch_labels = None
depends_on = None

OLD_TYPES = ('select_one', 'select_multiple', 'text', 'integer', 'decimal', 'date', 'note', 'begin_group',
             'end_group')
NEW_TYPES = ('select_one', 'select_multiple', 'text', 'integer', 'decimal', 'date', 'time', 'datetime', 'range',
             'rank', 'geopoint', 'acknowledge', 'barcode', 'calculate', 'hidden', 'start', 'end', 'today', 'deviceid',
             'username', 'audit', 'phonenumber', 'simserial', 'subscriberid', 'email', 'image', 'audio', 'video',
             'file', 'note', 'begin_group', 'end_group', 'begin_repeat', 'end_repeat')


def _types(values):
    return "type IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logic', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.drop_constraint(op.f('ck_question_type_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_question_type_known'), _types(NEW_TYPES))
        batch_op.alter_column('name', existing_type=sa.String(length=80), type_=sa.String(length=255),
                              existing_nullable=True)
    with op.batch_alter_table('choice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.drop_constraint(op.f('uq_choice_question_id_name'), type_='unique')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_check_constraint(op.f('ck_answer_instance_range'), 'instance BETWEEN 0 AND 500')


def downgrade():
    op.execute(sa.text("DELETE FROM answer WHERE instance > 0"))
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answer_instance_range'), type_='check')
        batch_op.drop_column('instance')
    # what the old schema cannot hold goes: the standard's other types, repeated choice names, long paths
    op.execute(sa.text("DELETE FROM question WHERE " + " AND ".join(f"type <> '{v}'" for v in OLD_TYPES)
                       + " OR length(name) > 80"))
    op.execute(sa.text("DELETE FROM choice WHERE id NOT IN (SELECT min(id) FROM choice GROUP BY question_id, name)"))
    with op.batch_alter_table('choice', schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f('uq_choice_question_id_name'), ['question_id', 'name'])
        batch_op.drop_column('extra')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=255), type_=sa.String(length=80),
                              existing_nullable=True)
        batch_op.drop_constraint(op.f('ck_question_type_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_question_type_known'), _types(OLD_TYPES))
        batch_op.drop_column('logic')
