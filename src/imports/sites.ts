/** 点位 import: name, type, 镇街, 社区 (empty: directly under the 镇街), address, GPS and responsible unit. */
import { number, text, type RowError } from '../excel/index.ts';
import { listCommunities, listSites, listSiteTypes, listStreets } from '../db/repos/places.ts';
import { listUnits } from '../db/repos/units.ts';
import { createSite, type SiteInput } from '../services/sites.ts';
import { lookup, type ImportKind } from './kind.ts';
import { placeChoices, placeIndex } from './places-lookup.ts';

interface Row {
  name: string;
  siteType: string;
  street: string;
  community?: string;
  address?: string;
  lat?: number;
  lng?: number;
  unit?: string;
}

export const sitesImport: ImportKind<Row, SiteInput[]> = {
  key: 'sites',
  title: '点位',
  spec: ({ db }) => {
    const choices = placeChoices(db);
    return {
      name: '点位',
      sheetName: '点位',
      columns: [
        {
          key: 'name',
          header: '点位名称',
          required: true,
          width: 22,
          parse: text({ max: 100 }),
          example: '幸福家园小区',
        },
        {
          key: 'siteType',
          header: '点位类型',
          required: true,
          width: 16,
          parse: text({ max: 40 }),
          note: '从下拉列表选择，也可填写编码',
          choices: choices.siteTypes,
          example: '居民小区',
        },
        {
          key: 'street',
          header: '镇街',
          required: true,
          width: 12,
          parse: text({ max: 100 }),
          choices: choices.streets,
          choicesOnly: true,
          example: '东湖街道',
        },
        {
          key: 'community',
          header: '社区',
          width: 12,
          parse: text({ max: 100 }),
          note: '留空表示镇街直属（主干道、市场等）',
          choices: choices.communities,
          choicesOnly: true,
          example: '幸福社区',
        },
        { key: 'address', header: '地址', width: 28, parse: text({ max: 200 }) },
        { key: 'lat', header: '纬度', width: 11, parse: number({ min: -90, max: 90 }), example: 30.2741 },
        { key: 'lng', header: '经度', width: 11, parse: number({ min: -180, max: 180 }), example: 120.1551 },
        {
          key: 'unit',
          header: '责任单位',
          width: 18,
          parse: text({ max: 100 }),
          note: '单位名称（从下拉列表选择）或单位编码',
          choices: choices.unitNames,
        },
      ],
    };
  },
  resolve(rows, { db }) {
    const errors: RowError[] = [];
    const idx = placeIndex(db);
    const existing = new Set(
      listSites(db)
        .filter((s) => !s.retired_at)
        .map((s) => `${s.street_id}/${s.community_id}/${s.name}`),
    );
    const inFile = new Map<string, number>();
    const plan: SiteInput[] = [];
    for (const r of rows) {
      const siteType = lookup(errors, r._row, '点位类型', r.siteType, idx.siteType, '点位类型');
      const streetId = lookup(errors, r._row, '镇街', r.street, idx.street, '镇街');
      const communityId =
        streetId !== undefined && r.community
          ? lookup(
              errors,
              r._row,
              '社区',
              r.community,
              (v) => idx.community(streetId, v),
              `${r.street}下的社区`,
            )
          : undefined;
      const unitId = lookup(errors, r._row, '责任单位', r.unit, idx.unit, '单位');
      if ((r.lat === undefined) !== (r.lng === undefined))
        errors.push({
          row: r._row,
          column: r.lat === undefined ? '纬度' : '经度',
          message: '经纬度须同时填写',
        });
      const key = `${streetId}/${communityId ?? null}/${r.name}`;
      if (existing.has(key))
        errors.push({ row: r._row, column: '点位名称', message: `该镇街/社区已有点位“${r.name}”` });
      const earlier = inFile.get(key);
      if (earlier) errors.push({ row: r._row, column: '点位名称', message: `与第${earlier}行重复` });
      inFile.set(key, r._row);
      if (siteType && streetId !== undefined)
        plan.push({
          name: r.name,
          siteType,
          streetId,
          communityId: communityId ?? null,
          address: r.address ?? '',
          lat: r.lat ?? null,
          lng: r.lng ?? null,
          responsibleUnitId: unitId ?? null,
        });
    }
    return { errors, plan };
  },
  apply(plan, { db, actor }) {
    for (const s of plan) createSite(db, actor, s);
    return plan.length;
  },
  current({ db }) {
    const types = new Map(listSiteTypes(db).map((t) => [t.code, t.name]));
    const streets = listStreets(db);
    const communities = listCommunities(db);
    const units = listUnits(db);
    return listSites(db)
      .filter((s) => !s.retired_at)
      .map((s) => ({
        name: s.name,
        siteType: types.get(s.site_type) ?? s.site_type,
        street: streets.find((x) => x.id === s.street_id)?.name ?? '',
        community: communities.find((x) => x.id === s.community_id)?.name ?? '',
        address: s.address,
        lat: s.lat ?? undefined,
        lng: s.lng ?? undefined,
        unit: units.find((u) => u.id === s.responsible_unit_id)?.code ?? '',
      }));
  },
};
