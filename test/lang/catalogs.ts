/** Column catalogs for front-end tests, shaped like the repo's data files (data/MANIFEST.tsv). */
import { memoryCatalog } from './host.js';

const higgsHeader =
  'EventId,DER_mass_MMC,DER_mass_transverse_met_lep,DER_mass_vis,DER_pt_h,DER_deltaeta_jet_jet,DER_mass_jet_jet,DER_prodeta_jet_jet,DER_deltar_tau_lep,DER_pt_tot,DER_sum_pt,DER_pt_ratio_lep_tau,DER_met_phi_centrality,DER_lep_eta_centrality,PRI_tau_pt,PRI_tau_eta,PRI_tau_phi,PRI_lep_pt,PRI_lep_eta,PRI_lep_phi,PRI_met,PRI_met_phi,PRI_met_sumet,PRI_jet_num,PRI_jet_leading_pt,PRI_jet_leading_eta,PRI_jet_leading_phi,PRI_jet_subleading_pt,PRI_jet_subleading_eta,PRI_jet_subleading_phi,PRI_jet_all_pt,Weight,Label';

export const higgsColumns = higgsHeader.split(',').map((c) => (c === 'Label' ? 'Label:string' : c === 'EventId' || c === 'PRI_jet_num' ? `${c}:int64` : `${c}:float64`));

export const hzzColumns = [
  'NJet:int32',
  'NMuon:int32',
  'NElectron:int32',
  'Muon_Px:jagged<float32>',
  'Muon_Py:jagged<float32>',
  'Muon_Pz:jagged<float32>',
  'Muon_E:jagged<float32>',
  'Muon_Charge:jagged<int32>',
  'Muon_Iso:jagged<float32>',
  'MET_px:float32',
  'MET_py:float32',
  'EventWeight:float32',
  'triggerIsoMu24:bool',
];

export const tmvaColumns = ['var1:float32', 'var2:float32', 'var3:float32', 'var4:float32'];

export function testCatalog() {
  return memoryCatalog({
    'data/higgsml/train.csv': higgsColumns,
    'data/HZZ.root': hzzColumns,
    'data/tmva_class_example.root': tmvaColumns,
    // uproot-stl_containers.root: a branch winnow reads and one it cannot read yet.
    'data/stl.root': ['vector_int32:jagged<int32>', 'vector_string:root:vector<string>'],
  });
}
