"""open-link limits per survey; response keys (keyed hashes) and the staff exclusion flag

survey: open_link_limited (on by default), open_link_per_browser (1), open_link_per_address_hour (300).
response: address_key and browser_key (HMAC-SHA256 hex of the address and of the browser id, scoped to
the survey; never the raw values), excluded (a reviewed burst, out of every indicator), and the indexes
the limits and the burst list read.

Revision ID: e5f7a9c1b3d2
Revises: c4f1a2b3d5e6
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5f7a9c1b3d2'
down_revision = 'c4f1a2b3d5e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_link_limited', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('open_link_per_browser', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('open_link_per_address_hour', sa.Integer(), server_default='300',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_survey_per_browser_range'),
                                         'open_link_per_browser BETWEEN 1 AND 1000')
        batch_op.create_check_constraint(op.f('ck_survey_per_address_range'),
                                         'open_link_per_address_hour BETWEEN 1 AND 100000')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('browser_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('excluded', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_response_keys_web_only'),
                                         "channel = 'web' OR (address_key IS NULL AND browser_key IS NULL)")
        batch_op.create_check_constraint(op.f('ck_response_address_key_hmac'),
                                         'address_key IS NULL OR length(address_key) = 64')
        batch_op.create_check_constraint(op.f('ck_response_browser_key_hmac'),
                                         'browser_key IS NULL OR length(browser_key) = 64')
        batch_op.create_index('ix_response_survey_address', ['survey_id', 'address_key', 'submitted_at'],
                              unique=False)
        batch_op.create_index('ix_response_browser_key', ['browser_key'], unique=False)


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_browser_key')
        batch_op.drop_index('ix_response_survey_address')
        batch_op.drop_constraint(op.f('ck_response_browser_key_hmac'), type_='check')
        batch_op.drop_constraint(op.f('ck_response_address_key_hmac'), type_='check')
        batch_op.drop_constraint(op.f('ck_response_keys_web_only'), type_='check')
        batch_op.drop_column('excluded')
        batch_op.drop_column('browser_key')
        batch_op.drop_column('address_key')

    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_survey_per_address_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_survey_per_browser_range'), type_='check')
        batch_op.drop_column('open_link_per_address_hour')
        batch_op.drop_column('open_link_per_browser')
        batch_op.drop_column('open_link_limited')
