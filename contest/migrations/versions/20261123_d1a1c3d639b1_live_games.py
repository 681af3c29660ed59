"""Live games: the game, its players and their answers (issue 7)

Revision ID: d1a1c3d639b1
Revises: b62fee55ac16
Create Date: 2026-11-23 12:22:21.503843
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.db


revision = 'd1a1c3d639b1'
down_revision = 'b62fee55ac16'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('live_games',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('pin', sa.String(length=6), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('province_id', sa.Integer(), nullable=True),
    sa.Column('source_round_id', sa.Integer(), nullable=True),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('seconds_per_question', sa.Integer(), nullable=False),
    sa.Column('scoring', sa.String(length=16), nullable=False),
    sa.Column('speed_floor', sa.Double(), nullable=False),
    sa.Column('streak_bonus', sa.Integer(), nullable=False),
    sa.Column('streak_cap', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('lobby', 'running', 'ended', name='gamestatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', contest.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', contest.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_live_games_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['host_id'], ['users.id'], name=op.f('fk_live_games_host_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['province_id'], ['provinces.id'], name=op.f('fk_live_games_province_id_provinces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_live_games_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_round_id'], ['rounds.id'], name=op.f('fk_live_games_source_round_id_rounds'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_games'))
    )
    with op.batch_alter_table('live_games', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_games_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_games_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_games_pin'), ['pin'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_games_province_id'), ['province_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_games_school_id'), ['school_id'], unique=False)

    op.create_table('live_game_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('game_id', sa.Integer(), nullable=False),
    sa.Column('player_number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('credit', sa.Double(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('response_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['game_id'], ['live_games.id'], name=op.f('fk_live_game_answers_game_id_live_games'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_live_game_answers_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], name=op.f('fk_live_game_answers_version_id_question_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_game_answers')),
    sa.UniqueConstraint('game_id', 'player_number', 'position', name=op.f('uq_live_game_answers_game_id_player_number_position'))
    )
    with op.batch_alter_table('live_game_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_game_answers_game_id'), ['game_id'], unique=False)

    op.create_table('live_game_players',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('game_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('nickname', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('correct_count', sa.Integer(), nullable=False),
    sa.Column('time_ms', sa.BigInteger(), nullable=False),
    sa.Column('kicked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_live_game_players_district_id_districts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['game_id'], ['live_games.id'], name=op.f('fk_live_game_players_game_id_live_games'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_live_game_players_school_id_schools'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_game_players_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_game_players')),
    sa.UniqueConstraint('game_id', 'number', name=op.f('uq_live_game_players_game_id_number'))
    )
    with op.batch_alter_table('live_game_players', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_game_players_game_id'), ['game_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('live_game_players', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_game_players_game_id'))

    op.drop_table('live_game_players')
    with op.batch_alter_table('live_game_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_game_answers_game_id'))

    op.drop_table('live_game_answers')
    with op.batch_alter_table('live_games', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_games_school_id'))
        batch_op.drop_index(batch_op.f('ix_live_games_province_id'))
        batch_op.drop_index(batch_op.f('ix_live_games_pin'))
        batch_op.drop_index(batch_op.f('ix_live_games_host_id'))
        batch_op.drop_index(batch_op.f('ix_live_games_district_id'))

    op.drop_table('live_games')
