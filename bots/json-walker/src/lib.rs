//! # JSON walker: proof that the JSON encoding works end to end
//!
//! The same ABI as every other bot, but exported with
//! `export_bot!(JsonWalker, Json)`: `lockstep_abi()` returns `1 << 8 | 1`, and
//! the host sends `MatchInfo` and every `Observation` as JSON, and reads the
//! orders back as JSON (`[{"Move":{"unit":3,"dir":"North"}}]`).
//!
//! The play is deliberately tiny: the core spawns onto the first free cell
//! whenever it can afford a unit; units hit an adjacent enemy core or unit, and
//! otherwise walk greedily towards the centre of the map, never into a wall or
//! a cell another of our units holds or is heading for. It is about as strong
//! as `random-walker` (it does not harvest or path-find) and loses to
//! `rusher` and `harvester`.

use lockstep_sdk::{Action, Bot, Direction, MatchInfo, Observation, PlayerId, Pos};

pub struct JsonWalker {
    me: PlayerId,
    info: MatchInfo,
    centre: Pos,
}

impl Bot for JsonWalker {
    fn new(info: &MatchInfo) -> Self {
        lockstep_sdk::log!("json-walker: player {}, speaking JSON", info.you.0);
        JsonWalker {
            me: info.you,
            centre: Pos::new(info.width / 2, info.height / 2),
            info: info.clone(),
        }
    }

    fn tick(&mut self, obs: &Observation) -> Vec<Action> {
        let (w, h) = (self.info.width, self.info.height);
        let enemy_at = |p: Pos| obs.units.iter().any(|u| u.owner != self.me && u.pos == p);
        // Cells our units stand on and have not been ordered off, or are heading to.
        let mut held: Vec<Pos> = obs.my_units(self.me).map(|u| u.pos).collect();
        let mut actions = Vec::new();
        for u in obs.my_units(self.me) {
            let core = obs
                .cores
                .iter()
                .find(|c| c.owner != self.me && u.pos.manhattan(c.pos) == 1);
            let target = core.map(|c| c.pos).or_else(|| {
                Direction::ALL
                    .iter()
                    .filter_map(|&d| u.pos.step(d, w, h))
                    .find(|&p| enemy_at(p))
            });
            if let Some(dir) = target.and_then(|t| u.pos.direction_to(t)) {
                actions.push(Action::Attack { unit: u.id, dir });
                continue;
            }
            let closer = Direction::ALL
                .into_iter()
                .filter_map(|d| u.pos.step(d, w, h).map(|p| (d, p)))
                .filter(|&(_, p)| self.info.is_floor(p) && !held.contains(&p) && !enemy_at(p))
                .filter(|&(_, p)| p.manhattan(self.centre) < u.pos.manhattan(self.centre))
                .min_by_key(|&(_, p)| p.manhattan(self.centre));
            if let Some((dir, to)) = closer {
                // Our old cell stays "held": a unit behind us may not count on it.
                held.push(to);
                actions.push(Action::Move { unit: u.id, dir });
            }
        }
        let mine = obs.my_units(self.me).count();
        if obs.energy >= self.info.rules.unit_cost && mine < self.info.rules.max_units as usize {
            let core = self.info.my_core();
            let free = Direction::ALL.into_iter().find(|&d| {
                core.step(d, w, h)
                    .is_some_and(|p| self.info.is_floor(p) && !held.contains(&p) && !enemy_at(p))
            });
            if let Some(dir) = free {
                actions.push(Action::Spawn { dir });
            }
        }
        actions
    }
}

lockstep_sdk::export_bot!(JsonWalker, Json);

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_sdk::{CoreView, Encoding, Runner, UnitId, UnitView};

    fn info() -> MatchInfo {
        let rows = ["#######", "#A....#", "#.....#", "#....B#", "#######"];
        lockstep_sdk::testing::match_info(&rows, PlayerId(0))
    }

    #[test]
    fn speaks_json_through_the_runner() {
        let mut runner = Runner::<JsonWalker>::new(Encoding::Json);
        let info_json = lockstep_sdk::encode(Encoding::Json, &info());
        assert_eq!(info_json[0], b'{');
        assert_eq!(runner.init(&info_json), 0);
        let obs = r#"{"tick":0,"energy":30,"units":[{"id":4,"owner":0,"pos":{"x":2,"y":1},"hp":10}],
            "cores":[{"owner":0,"pos":{"x":1,"y":1},"hp":200}],"rejected":[],"eliminated":[]}"#;
        let out = runner.tick(obs.as_bytes());
        assert_eq!(
            core::str::from_utf8(out).unwrap(),
            r#"[{"Move":{"unit":4,"dir":"East"}},{"Spawn":{"dir":"South"}}]"#
        );
    }

    #[test]
    fn attacks_an_adjacent_enemy_and_the_core() {
        let mut bot = JsonWalker::new(&info());
        let unit = |id, owner, x, y| UnitView {
            id: UnitId(id),
            owner: PlayerId(owner),
            pos: Pos::new(x, y),
            hp: 10,
        };
        let obs = Observation {
            tick: 3,
            energy: 0,
            units: vec![unit(1, 0, 4, 3), unit(2, 0, 3, 2), unit(9, 1, 3, 1)],
            cores: vec![CoreView {
                owner: PlayerId(1),
                pos: Pos::new(5, 3),
                hp: 200,
            }],
            rejected: vec![],
            eliminated: vec![],
        };
        assert_eq!(
            bot.tick(&obs),
            vec![
                Action::Attack {
                    unit: UnitId(1),
                    dir: Direction::East
                },
                Action::Attack {
                    unit: UnitId(2),
                    dir: Direction::North
                },
            ]
        );
    }
}
