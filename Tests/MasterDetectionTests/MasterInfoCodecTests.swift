import Foundation
import MasterDetection
import MesosProtocol
import Testing

@Suite struct MasterInfoCodecTests {}
